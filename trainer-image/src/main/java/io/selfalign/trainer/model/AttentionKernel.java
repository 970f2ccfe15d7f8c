package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;

/**
 * The implementations of grouped-query attention softmax(q·kᵀ + bias)·v that {@link InferencePlan} picks from.
 * Each takes q [B, heads, T, hd] (already scaled), keys and values [B, kvHeads, S, hd] and the additive bias
 * [B, 1, T, S] as {@link #bias} prepared it, and returns the heads' outputs grouped by kv head (the caller
 * reshapes them to [B, heads, T, hd]). The g = heads / kvHeads query heads of one kv head share its keys and
 * values without copying them.
 */
enum AttentionKernel {
    /** Any number of queries: one batched matmul per product, the g query heads of a kv head as g × T rows. */
    FULL_CAUSAL {
        @Override
        NDArray bias(NDArray bias, int groups) {
            // Rows of the grouped scores [B, kvHeads, g × T, S] are group-major: repeat the T rows g times once
            // per forward rather than reshaping the scores in every layer (one row broadcasts as it is).
            return groups > 1 && bias.getShape().get(2) > 1 ? bias.tile(new long[] {1, 1, groups, 1}) : bias;
        }

        @Override
        NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias, int groups) {
            long[] s = q.getShape().getShape();
            return q.reshape(s[0], k.getShape().get(1), groups * s[2], s[3]).matMul(k.transpose(0, 1, 3, 2))
                    .addi(bias).softmax(3).matMul(v);
        }
    },

    /**
     * One new token per row, as products and sums: on a CPU a batched matmul here is B × kvHeads sgemm calls of
     * one row each, whose per-call cost dominates.
     */
    SINGLE_QUERY {
        @Override
        NDArray bias(NDArray bias, int groups) {
            return bias;
        }

        @Override
        NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias, int groups) {
            long[] s = q.getShape().getShape();
            // q as [B, kvHeads, g, 1, hd] against k [B, kvHeads, 1, S, hd]; bias [B,1,1,S] broadcasts over both head axes.
            NDArray weights = q.reshape(s[0], k.getShape().get(1), groups, 1, s[3]).mul(k.expandDims(2))
                    .sum(new int[] {4}).addi(bias).softmax(3);
            return weights.expandDims(4).mul(v.expandDims(2)).sum(new int[] {3});
        }
    };

    /** The forward's attention bias [B, 1, T, S] in the form this kernel adds it (computed once per forward). */
    abstract NDArray bias(NDArray bias, int groups);

    /** The attention of {@code q} over {@code k}, {@code v} with {@code groups} query heads per kv head. */
    abstract NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias, int groups);
}
