package io.selfalign.trainer.guidance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The Plackett–Luce negative log-likelihood of rankings (docs/algorithm.md §6): for a list of sequence scores
 * e_1 … e_K in preference order, {@code Σ_i [log Σ_{j≥i} exp(e_j) − e_i]}. Two responses make it Bradley–Terry,
 * {@code −log σ(e_1 − e_2)}.
 */
public final class RankingLoss {
    // Masks the responses ranked above position i out of its softmax: exp(−1e9) is 0 in float32.
    private static final float MASKED = -1e9f;

    private RankingLoss() {}

    /**
     * The loss of L lists of K responses each, {@code [L]}, from their scores {@code [L,K]} (row l in list l's
     * preference order).
     */
    public static NDArray perList(NDArray scores) {
        long k = scores.getShape().get(1);
        NDManager m = scores.getManager();
        float[] mask = new float[(int) (k * k)];
        float[] eye = new float[(int) (k * k)];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) mask[(int) (i * k + j)] = j < i ? MASKED : 0f;
            eye[(int) (i * k + i)] = 1f;
        }
        // [L,K,K]: row i is the softmax over the responses ranked i or lower; its entry i is P(response i chosen next).
        NDArray stages = scores.expandDims(1).add(m.create(mask, new Shape(1, k, k))).logSoftmax(2);
        return stages.mul(m.create(eye, new Shape(1, k, k))).sum(new int[] {1, 2}).neg();
    }
}
