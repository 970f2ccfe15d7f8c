package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * Sequence scores of a micro-batch of B preference pairs, every array {@code [B]} float32.
 *
 * @param policyChosen      S_θ(y_w): summed response log-probs under the trained policy (with gradient)
 * @param policyRejected    S_θ(y_l)
 * @param referenceChosen   S_ref(y_w), no gradient; null for reference-free losses
 * @param referenceRejected S_ref(y_l); null for reference-free losses
 * @param chosenTokens      number of scored response tokens of y_w (for mean scores Ŝ)
 * @param rejectedTokens    number of scored response tokens of y_l
 * @param flipWeight        per-pair weight ε_i of the flipped label, set by self-refinement (loss
 *                          {@code spa} only, docs/algorithm.md §3); null for every other loss
 */
public record PairScores(
        NDArray policyChosen,
        NDArray policyRejected,
        NDArray referenceChosen,
        NDArray referenceRejected,
        NDArray chosenTokens,
        NDArray rejectedTokens,
        NDArray flipWeight) {

    /** The DPO margin z = [S_θ(y_w) − S_ref(y_w)] − [S_θ(y_l) − S_ref(y_l)]. */
    public NDArray margin() {
        if (referenceChosen == null || referenceRejected == null) {
            throw new IllegalStateException("this loss needs reference log-probs, but none were computed");
        }
        return policyChosen.sub(referenceChosen).sub(policyRejected.sub(referenceRejected));
    }

    /** Ŝ_θ(y_w), the per-token mean log-prob of the chosen response. */
    public NDArray meanPolicyChosen() {
        return policyChosen.div(chosenTokens);
    }

    /** Ŝ_θ(y_l). */
    public NDArray meanPolicyRejected() {
        return policyRejected.div(rejectedTokens);
    }

    /** The same scores with the refinement's per-pair flip weights attached. */
    public PairScores withFlipWeight(NDArray weight) {
        return new PairScores(policyChosen, policyRejected, referenceChosen, referenceRejected, chosenTokens, rejectedTokens, weight);
    }
}
