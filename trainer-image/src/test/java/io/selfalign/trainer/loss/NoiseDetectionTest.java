package io.selfalign.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two sequences of length 3 over a vocabulary of 3 (token 0 = prompt, tokens 1–2 = response), worked by
 * hand in Python: log-softmax of each row, pick the next token, sum over the response; h̃ = 1.5·h_θ − 0.5·h_ref.
 */
class NoiseDetectionTest {
    private NDManager manager;
    private NDArray policyLogits;
    private NDArray referenceLogits;
    private NDArray ids;
    private NDArray mask;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        policyLogits = manager.create(new float[] {1, 2, 0.5f, 0.2f, -1, 3, 9, 9, 9, 0, 0, 0, 1, 1, -1, 5, 0, 0}, new ai.djl.ndarray.types.Shape(2, 3, 3));
        referenceLogits = manager.create(new float[] {0, 1, 1, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, new ai.djl.ndarray.types.Shape(2, 3, 3));
        ids = manager.create(new long[] {0, 1, 2, 0, 2, 1}, new ai.djl.ndarray.types.Shape(2, 3));
        mask = manager.create(new float[] {0, 1, 1, 0, 1, 1}, new ai.djl.ndarray.types.Shape(2, 3));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void sequenceLogProbsSumTheShiftedResponseTokens() {
        assertArrayEquals(new float[] {-0.54051996f, -1.85723596f}, SequenceLogProbs.sum(policyLogits, ids, mask).toFloatArray(), 1e-5f);
        assertArrayEquals(new float[] {-1.26960077f, -2.65005700f}, SequenceLogProbs.sum(referenceLogits, ids, mask).toFloatArray(), 1e-5f);
    }

    @Test
    void extrapolatedLogitsGiveTheDecoupledScores() {
        NDArray tilde = NoiseDetection.extrapolatedScores(policyLogits, referenceLogits, ids, mask, 0.5);
        assertArrayEquals(new float[] {-0.41846700f, -1.67575601f}, tilde.toFloatArray(), 1e-5f);
    }

    @Test
    void lambdaZeroIsThePolicyItself() {
        NDArray tilde = NoiseDetection.extrapolatedScores(policyLogits, referenceLogits, ids, mask, 0.0);
        assertArrayEquals(SequenceLogProbs.sum(policyLogits, ids, mask).toFloatArray(), tilde.toFloatArray(), 1e-6f);
    }

    @Test
    void flaggingMarginUsesTheExtrapolatedScoresAgainstTheReference() {
        // row 0 = y_w, row 1 = y_l: 0.1·[(−0.418467 + 1.269601) − (−1.675756 + 2.650057)] = −0.01231672
        NDArray tilde = NoiseDetection.extrapolatedScores(policyLogits, referenceLogits, ids, mask, 0.5);
        NDArray ref = SequenceLogProbs.sum(referenceLogits, ids, mask);
        NDArray mu = NoiseDetection.margin(tilde.get(0).reshape(1), tilde.get(1).reshape(1), ref.get(0).reshape(1), ref.get(1).reshape(1), 0.1);
        assertEquals(-0.01231672f, mu.getFloat(0), 1e-6f);
    }
}
