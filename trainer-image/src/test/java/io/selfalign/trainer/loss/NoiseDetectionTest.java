package io.selfalign.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.List;
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
    private ScoringBatch batch;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu());
        policyLogits = manager.create(new float[] {1, 2, 0.5f, 0.2f, -1, 3, 9, 9, 9, 0, 0, 0, 1, 1, -1, 5, 0, 0}, new ai.djl.ndarray.types.Shape(2, 3, 3));
        referenceLogits = manager.create(new float[] {0, 1, 1, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, new ai.djl.ndarray.types.Shape(2, 3, 3));
        batch = ScoringBatch.of(List.of(new ScoringBatch.Pair(new long[] {0}, new long[] {1, 2}),
                new ScoringBatch.Pair(new long[] {0}, new long[] {2, 1})), 0, manager);
        // The scorer works on the rows that predict response tokens: here every column but the last.
        policyLogits = SequenceScorer.responseRows(policyLogits, batch);
        referenceLogits = SequenceScorer.responseRows(referenceLogits, batch);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void handWorkedScoresOfPolicyAndReference() {
        assertArrayEquals(new float[] {-0.54051996f, -1.85723596f}, SequenceScorer.sequenceLogProbs(policyLogits, batch).toFloatArray(), 1e-5f);
        assertArrayEquals(new float[] {-1.26960077f, -2.65005700f}, SequenceScorer.sequenceLogProbs(referenceLogits, batch).toFloatArray(), 1e-5f);
    }

    @Test
    void extrapolatedLogitsGiveTheDecoupledScores() {
        NDArray tilde = NoiseDetection.extrapolatedScores(policyLogits, referenceLogits, batch, 0.5);
        assertArrayEquals(new float[] {-0.41846700f, -1.67575601f}, tilde.toFloatArray(), 1e-5f);
    }

    @Test
    void lambdaZeroIsThePolicyItself() {
        NDArray tilde = NoiseDetection.extrapolatedScores(policyLogits, referenceLogits, batch, 0.0);
        assertArrayEquals(SequenceScorer.sequenceLogProbs(policyLogits, batch).toFloatArray(), tilde.toFloatArray(), 1e-6f);
    }

    @Test
    void aPolicyStillEqualToItsReferenceHasAMarginOfExactlyZero() {
        // Exact by construction: h̃ = h + λ·(h − h) = h whatever the CPU's rounding, so μ̃ = 0 and the
        // first pairs of a round (τ = 0 until the window fills) are flagged on every machine.
        NDArray ref = SequenceScorer.sequenceLogProbs(referenceLogits, batch);
        NDArray tilde = NoiseDetection.extrapolatedScores(referenceLogits, referenceLogits, batch, 0.5);
        assertArrayEquals(ref.toFloatArray(), tilde.toFloatArray(), 0f);
        NDArray mu = NoiseDetection.margin(tilde.get(0).reshape(1), tilde.get(1).reshape(1), ref.get(0).reshape(1), ref.get(1).reshape(1), 0.1);
        assertEquals(0f, mu.getFloat(0), 0f);
    }

    @Test
    void flaggingMarginUsesTheExtrapolatedScoresAgainstTheReference() {
        // row 0 = y_w, row 1 = y_l: 0.1·[(−0.418467 + 1.269601) − (−1.675756 + 2.650057)] = −0.01231672
        NDArray tilde = NoiseDetection.extrapolatedScores(policyLogits, referenceLogits, batch, 0.5);
        NDArray ref = SequenceScorer.sequenceLogProbs(referenceLogits, batch);
        NDArray mu = NoiseDetection.margin(tilde.get(0).reshape(1), tilde.get(1).reshape(1), ref.get(0).reshape(1), ref.get(1).reshape(1), 0.1);
        assertEquals(-0.01231672f, mu.getFloat(0), 1e-6f);
    }
}
