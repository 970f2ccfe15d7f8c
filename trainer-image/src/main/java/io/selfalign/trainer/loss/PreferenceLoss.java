package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * One member of the preference-loss family (ALGORITHMS §5). Works on sequence scores, so the same
 * loss serves any model; every method returns per-pair values {@code [B]} (the trainer averages).
 */
public interface PreferenceLoss {

    /** The spec name ({@code training.loss}). */
    String name();

    /** Whether the loss needs the reference model's scores (SimPO and ORPO do not). */
    boolean usesReference();

    /** The per-pair loss {@code [B]}, differentiable through the policy scores. */
    NDArray perPair(PairScores scores);

    /**
     * The rewards logged per step for y_w and y_l, {@code [B]} each, without gradient: β(S_θ − S_ref)
     * for reference-based losses, β·Ŝ_θ for reference-free ones (as TRL logs them).
     */
    NDArray[] rewards(PairScores scores);
}
