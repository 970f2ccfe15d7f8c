package io.selfalign.trainer.guidance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.selfalign.trainer.score.ScoringBatch;

/**
 * {@code training.loss: guidance} (docs/algorithm.md §6): the policy's token log-probs l_t weighted by the guidance
 * model's token scores r_t; the loss of a pair is {@code −Σ_t A_t·l_t} with weights A_t that carry no gradient.
 * <ul>
 *   <li>On demonstrations (the seed round's gold chosen responses): weighted maximum likelihood of the chosen
 *       response, {@code A_t = softmax_t(r)} over its tokens (the paper normalises r_t / Σ r, which needs positive
 *       scores; a linear head's are not), the rejected response unused.</li>
 *   <li>On the model's own samples (both responses of a pair): REINFORCE with the token rewards, a KL penalty and a
 *       baseline: {@code u_t = r_t − κ·ρ(y)} with ρ(y) = (S_θ(y) − S_ref(y)) / |y|, the response's mean log-ratio to
 *       the reference; {@code A_t = (u_t − b) / N} with b the mean of u over the pair's N tokens.</li>
 * </ul>
 */
public final class GuidedObjective {
    private final GuidanceModel guidance;
    private final boolean demonstrations;
    private final double klCoefficient;

    /**
     * @param demonstrations whether the pairs' chosen responses are demonstrations (the seed round's gold pairs)
     * @param klCoefficient  κ (own samples only; 0: no reference)
     */
    public GuidedObjective(GuidanceModel guidance, boolean demonstrations, double klCoefficient) {
        this.guidance = guidance;
        this.demonstrations = demonstrations;
        this.klCoefficient = klCoefficient;
    }

    /**
     * The weights A [R] of a micro-batch of {@code pairs} pairs laid out chosen 0…b−1, rejected b…2b−1, on the batch's
     * manager.
     *
     * @param logRatio S_θ(y) − S_ref(y) per sequence [2b], or null without a reference
     */
    public NDArray weights(ScoringBatch batch, int pairs, float[] logRatio) {
        float[] r;
        try (NDScope scope = new NDScope()) {
            r = guidance.tokenScores(batch).toFloatArray();
        }
        float[] a = weights(r, batch.response().owners(), pairs, demonstrations, klCoefficient, logRatio);
        return batch.inputIds().getManager().create(a);
    }

    /** The weights of token scores r [R] whose sequences are {@code owners} (see {@link #weights(ScoringBatch, int, float[])}). */
    static float[] weights(float[] r, int[] owners, int pairs, boolean demonstrations, double klCoefficient, float[] logRatio) {
        int sequences = 2 * pairs;
        int[] length = new int[sequences];
        for (int o : owners) length[o]++;
        double[] a = new double[r.length];
        if (demonstrations) {
            double[] max = new double[pairs];
            java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
            for (int t = 0; t < r.length; t++) if (owners[t] < pairs) max[owners[t]] = Math.max(max[owners[t]], r[t]);
            double[] norm = new double[pairs];
            for (int t = 0; t < r.length; t++) {
                if (owners[t] < pairs) {
                    a[t] = Math.exp(r[t] - max[owners[t]]);
                    norm[owners[t]] += a[t];
                }
            }
            for (int t = 0; t < r.length; t++) a[t] = owners[t] < pairs ? a[t] / norm[owners[t]] : 0;
        } else {
            double[] sum = new double[pairs];
            for (int t = 0; t < r.length; t++) {
                int s = owners[t];
                double rho = klCoefficient == 0 || logRatio == null ? 0 : logRatio[s] / length[s];
                a[t] = r[t] - klCoefficient * rho;
                sum[s % pairs] += a[t];
            }
            for (int t = 0; t < r.length; t++) {
                int pair = owners[t] % pairs;
                int n = length[pair] + length[pair + pairs];
                a[t] = (a[t] - sum[pair] / n) / n;
            }
        }
        float[] out = new float[a.length];
        for (int t = 0; t < a.length; t++) out[t] = (float) a[t];
        return out;
    }
}
