package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/**
 * One member of the preference-loss family (ALGORITHMS §5). Works on sequence scores, so the same
 * loss serves any model; every method returns per-pair values {@code [B]} (the trainer averages).
 */
public interface PreferenceLoss {

    /** The spec name ({@code training.loss}). */
    Loss name();

    /** Whether the loss needs the reference model's scores (SimPO and ORPO do not). */
    boolean usesReference();

    /**
     * Whether training runs SPA's confidence-based self-refinement with de-coupled noise detection for
     * this loss (ALGORITHMS §3): the trainer then flags noisy pairs and passes their flip weights in
     * {@link PairScores#flipWeight()}, and reports the flagged fraction.
     */
    default boolean refines() {
        return false;
    }

    /** The per-pair loss {@code [B]}, differentiable through the policy scores. */
    NDArray perPair(PairScores scores);

    /**
     * The rewards logged per step for y_w and y_l, {@code [B]} each, without gradient: β(S_θ − S_ref)
     * for reference-based losses, β·Ŝ_θ for reference-free ones (as TRL logs them).
     */
    NDArray[] rewards(PairScores scores);
}
