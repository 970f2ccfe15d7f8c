package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;

/**
 * De-coupled noise detection (docs/algorithm.md §4): the margin used for flagging comes from the
 * extrapolated logits h̃ = (1+λ)·h_θ − λ·h_ref, which approximate a model trained with a (1+λ)×
 * smaller KL coefficient. It is used for flagging only; the loss keeps the margin of π_θ. Nothing here
 * carries a gradient.
 */
public final class NoiseDetection {
    private NoiseDetection() {}

    /**
     * S̃(y) for each sequence, from the policy's and the reference's logits of the same batch.
     *
     * @param policyLogits    h_θ {@code [R, V]} at the batch's response rows (detached here)
     * @param referenceLogits h_ref {@code [R, V]} at the same rows
     * @param batch           the sequences both logits were computed for
     * @param lambda          λ ≥ 0
     */
    public static NDArray extrapolatedScores(NDArray policyLogits, NDArray referenceLogits, ScoringBatch batch, double lambda) {
        // h_θ + λ·(h_θ − h_ref) rather than (1+λ)·h_θ − λ·h_ref: equal in exact arithmetic, but when the policy
        // still equals the reference the difference is exactly 0, so h̃ = h_θ bit for bit on every CPU and
        // μ̃ = 0 ≤ τ = 0 flags the pair; the other form leaves a kernel-dependent rounding residue of either sign.
        NDArray policy = policyLogits.stopGradient();
        NDArray mixed = policy.add(policy.sub(referenceLogits.stopGradient()).mul(lambda));
        return SequenceScorer.sequenceLogProbs(mixed, batch);
    }

    /**
     * The flagging margin μ = β·{[S̃(y_w) − S_ref(y_w)] − [S̃(y_l) − S_ref(y_l)]}, {@code [B]}.
     *
     * @param scoreChosen  S̃(y_w) (or S_θ(y_w) when λ = 0)
     * @param scoreRejected S̃(y_l)
     */
    public static NDArray margin(NDArray scoreChosen, NDArray scoreRejected, NDArray referenceChosen,
                                 NDArray referenceRejected, double beta) {
        return scoreChosen.sub(referenceChosen).sub(scoreRejected.sub(referenceRejected)).mul(beta).stopGradient();
    }
}
