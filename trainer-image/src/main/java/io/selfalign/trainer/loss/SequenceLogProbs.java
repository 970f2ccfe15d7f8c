package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * S(y) = Σ_t m_t·log softmax(h_{t−1})[y_t] (ALGORITHMS §0) from a causal LM's logits: position t−1
 * predicts token t, so logits and targets are shifted by one.
 */
public final class SequenceLogProbs {
    private static final NDIndex ALL_BUT_LAST = new NDIndex(":, :-1");
    private static final NDIndex ALL_BUT_FIRST = new NDIndex(":, 1:");

    private SequenceLogProbs() {}

    /**
     * @param logits       {@code [N, T, V]}
     * @param inputIds     {@code [N, T]} int64, the full prompt+response sequences
     * @param responseMask {@code [N, T]} float32, 1 where a token is a scored response token (including
     *                     a final EOS), 0 on prompt and padding
     * @return {@code [N]} summed response log-probs
     */
    public static NDArray sum(NDArray logits, NDArray inputIds, NDArray responseMask) {
        NDArray logp = logits.get(ALL_BUT_LAST).logSoftmax(2);
        NDArray targets = inputIds.get(ALL_BUT_FIRST).expandDims(2);
        NDArray tokenLogp = logp.gather(targets, 2).squeeze(2);
        return tokenLogp.mul(responseMask.get(ALL_BUT_FIRST)).sum(new int[] {1});
    }
}
