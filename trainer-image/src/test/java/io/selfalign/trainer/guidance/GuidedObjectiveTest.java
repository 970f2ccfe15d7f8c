package io.selfalign.trainer.guidance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.selfalign.api.round.Loss;
import io.selfalign.trainer.loss.PairScores;
import io.selfalign.trainer.loss.PreferenceLoss;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guidance objective on a 3-token example, worked by hand with Python's math module from docs/algorithm.md §6:
 * one pair, chosen response tokens (2, 0) with guidance scores (0.5, −1.0), rejected (1) with 2.0; κ = 0.1; log-ratios
 * S_θ − S_ref = 0.4 (chosen), −0.3 (rejected); response-row logits h over a vocabulary of 3. Tolerance 1e-6 on the
 * weights (float32 of a double computation), 1e-5 on loss and gradient.
 */
class GuidedObjectiveTest {
    private static final float[] R = {0.5f, -1.0f, 2.0f};
    private static final int[] OWNERS = {0, 0, 1};
    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void ownSamplesGetTokenRewardsLessTheKlPenaltyAndThePairsBaseline() {
        // u = r − κ·ρ: 0.5 − 0.1·0.2, −1 − 0.1·0.2, 2 + 0.1·0.3; baseline b = mean(u); A = (u − b) / 3
        float[] a = GuidedObjective.weights(R, OWNERS, 1, false, 0.1, new float[] {0.4f, -0.3f});
        assertArrayEquals(new float[] {-0.00555556f, -0.50555556f, 0.51111111f}, a, 1e-6f);
        assertEquals(0, a[0] + a[1] + a[2], 1e-6, "the baseline centres the weights");
    }

    @Test
    void demonstrationsGetTheSoftmaxOfTheChosenResponsesScores() {
        float[] a = GuidedObjective.weights(R, OWNERS, 1, true, 0.1, null);
        assertArrayEquals(new float[] {0.81757448f, 0.18242552f, 0f}, a, 1e-6f);
    }

    @Test
    void theLossIsMinusTheWeightedLogProbsAndItsGradientIsMinusWeightTimesOneHotMinusSoftmax() {
        ScoringBatch batch = ScoringBatch.of(List.of(new ScoringBatch.Pair(new long[] {1}, new long[] {2, 0}),
                new ScoringBatch.Pair(new long[] {1}, new long[] {1})), 0, manager);
        NDArray h = manager.create(new float[] {0.1f, -0.2f, 0.3f, 1.0f, 0.0f, -1.0f, 0.5f, 0.5f, -0.5f}, new Shape(3, 3));
        h.setRequiresGradient(true);
        NDArray a = manager.create(GuidedObjective.weights(R, OWNERS, 1, false, 0.1, new float[] {0.4f, -0.3f}));
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray weighted = SequenceScorer.perSequence(SequenceScorer.responseTokenLogProbs(h, batch).mul(a), batch);
            NDArray zero = manager.zeros(new Shape(1));
            PairScores s = new PairScores(zero, zero, null, null, zero, zero, null).withGuided(weighted.get("0:1").add(weighted.get("1:2")));
            NDArray loss = new PreferenceLoss(Loss.GUIDANCE, 0.1, 0, 0, 0, 0.1).perPair(s);
            assertArrayEquals(new float[] {0.22958578f}, loss.toFloatArray(), 1e-5f);
            c.backward(loss.sum());
        }
        // ∂/∂h_t = −A_t·(onehot(y_t) − softmax(h_t)), targets y = (2, 0, 1)
        assertArrayEquals(new float[] {-0.00187547f, -0.00138938f, 0.00326485f, 0.16923929f, -0.12372384f, -0.04551546f,
                0.21585183f, -0.29525928f, 0.07940745f}, h.getGradient().toFloatArray(), 1e-5f);
    }
}
