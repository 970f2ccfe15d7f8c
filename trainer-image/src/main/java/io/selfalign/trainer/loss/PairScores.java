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
 * @param guided            Σ_t A_t·l_t over both responses of each pair, the guidance model's token weights A_t without
 *                          gradient (loss {@code guidance} only, {@code GuidedObjective}); null for every other loss
 */
public record PairScores(
        NDArray policyChosen,
        NDArray policyRejected,
        NDArray referenceChosen,
        NDArray referenceRejected,
        NDArray chosenTokens,
        NDArray rejectedTokens,
        NDArray flipWeight,
        NDArray guided) {

    /** Scores without the guidance objective's weighted sum. */
    public PairScores(NDArray policyChosen, NDArray policyRejected, NDArray referenceChosen, NDArray referenceRejected,
                      NDArray chosenTokens, NDArray rejectedTokens, NDArray flipWeight) {
        this(policyChosen, policyRejected, referenceChosen, referenceRejected, chosenTokens, rejectedTokens, flipWeight, null);
    }

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
        return new PairScores(policyChosen, policyRejected, referenceChosen, referenceRejected, chosenTokens, rejectedTokens, weight, guided);
    }

    /** The same scores with the guidance objective's weighted log-probs attached. */
    public PairScores withGuided(NDArray weighted) {
        return new PairScores(policyChosen, policyRejected, referenceChosen, referenceRejected, chosenTokens, rejectedTokens, flipWeight, weighted);
    }
}
