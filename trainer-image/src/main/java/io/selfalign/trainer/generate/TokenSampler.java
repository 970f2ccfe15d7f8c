package io.selfalign.trainer.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Picks the next token of each row from logits [B,V] on the device: greedy argmax, or temperature + top-k +
 * top-p sampling by inverting each row's cumulative distribution at one uniform number (DJL has no
 * multinomial op). One random number per row, not one per vocabulary entry: drawing and transforming
 * B×V numbers (the Gumbel-max trick) cost as much as the model's head at a 32k vocabulary
 * (docs/performance.md, third pass).
 * Randomness comes from the engine's generator, which {@link Generator} seeds, so a seed reproduces the samples.
 * Banned tokens (pad, BOS, a separator: tokens a response never contains, and that decoded text would drop) get a
 * logit of −∞ before anything else, so neither greedy nor sampled decoding can pick them.
 */
final class TokenSampler {
    private final SamplingParams params;
    private final NDArray inverseTemperature;
    private final NDArray topP;
    /** [1, V]: 0, or −∞ at a banned id; null when nothing is banned. */
    private final NDArray ban;

    TokenSampler(SamplingParams params, NDManager manager) {
        this(params, manager, 0, new long[0]);
    }

    TokenSampler(SamplingParams params, NDManager manager, int vocabSize, long[] bannedIds) {
        this.params = params;
        if (bannedIds.length == 0) {
            this.ban = null;
        } else {
            float[] row = new float[vocabSize];
            for (long id : bannedIds) row[Math.toIntExact(id)] = Float.NEGATIVE_INFINITY;
            this.ban = manager.create(row, new Shape(1, vocabSize));
        }
        this.inverseTemperature = manager.create((float) (params.isGreedy() ? 1 : 1 / params.temperature()));
        this.topP = manager.create((float) params.topP());
    }

    /** Token ids [B] (int64). */
    NDArray next(NDArray logits) {
        NDArray x = logits.toType(DataType.FLOAT32, false);
        if (ban != null) {
            x = x.add(ban);
        }
        if (params.isGreedy()) {
            return x.argMax(1);
        }
        x = x.mul(inverseTemperature);
        long vocab = x.getShape().get(1);
        int k = params.topK() > 0 ? (int) Math.min(params.topK(), vocab) : (int) vocab;
        NDArray indices = null;
        if (k < vocab || params.topP() < 1) {
            NDList top = x.topK(k, 1, true, true);
            x = top.get(0);
            indices = top.get(1);
        }
        NDArray probs = x.softmax(1);
        NDArray cdf = probs.cumSum(1);
        if (params.topP() < 1) {
            // Keep a token while the tokens ranked above it hold less than top-p (the first always stays).
            probs = probs.mul(cdf.sub(probs).lt(topP));
            cdf = probs.cumSum(1);
        }
        // The chosen token is the first whose cumulative probability exceeds u · total, u uniform in [0, 1):
        // counting the entries at or below the target finds it (zero-probability entries are never chosen).
        // The total is the last entry rather than 1, so that rounding in the sum cannot shift the draw.
        long width = x.getShape().get(1);
        long rows = x.getShape().get(0);
        NDArray total = cdf.split(new long[] {width - 1}, 1).get(1);
        NDArray target = x.getManager().randomUniform(0f, 1f, new Shape(rows, 1)).mul(total);
        NDArray choice = cdf.lte(target).sum(new int[] {1}).minimum(width - 1);
        return indices == null ? choice : indices.gather(choice.reshape(-1, 1), 1).reshape(-1);
    }
}
