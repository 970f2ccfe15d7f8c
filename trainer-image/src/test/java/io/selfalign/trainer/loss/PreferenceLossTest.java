package io.selfalign.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import io.selfalign.api.round.Loss;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every loss on two hand-worked pairs (expected values computed with Python's math module from the
 * formulas in docs/algorithm.md §5; tolerance 1e-5, float32):
 * pair 1: S_θ(y_w)=−10, S_θ(y_l)=−12, S_ref(y_w)=−11, S_ref(y_l)=−11.5, |y_w|=4, |y_l|=6 → z = 1.5;
 * pair 2: S_θ(y_w)=−20, S_θ(y_l)=−15, S_ref(y_w)=−18, S_ref(y_l)=−16, |y_w|=5, |y_l|=3 → z = −3.
 */
class PreferenceLossTest {
    private static final float TOL = 1e-5f;
    private NDManager manager;
    private PairScores scores;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu());
        scores = new PairScores(
                manager.create(new float[] {-10, -20}), manager.create(new float[] {-12, -15}),
                manager.create(new float[] {-11, -18}), manager.create(new float[] {-11.5f, -16}),
                manager.create(new float[] {4, 5}), manager.create(new float[] {6, 3}), null);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private float[] loss(PreferenceLoss loss) {
        return loss.perPair(scores).toFloatArray();
    }

    @Test
    void dpoIsMinusLogSigmoidOfBetaZ() {
        // −log σ(0.15), −log σ(−0.3)
        assertArrayEquals(new float[] {0.62095705f, 0.85435524f}, loss(new PreferenceLoss(Loss.DPO, 0.1, 0, 0, 0)), TOL);
    }

    @Test
    void cdpoSmoothsTheLabelWithEpsilon() {
        // −0.9·log σ(βz) − 0.1·log σ(−βz)
        assertArrayEquals(new float[] {0.63595705f, 0.82435524f}, loss(new PreferenceLoss(Loss.CDPO, 0.1, 0.1, 0, 0)), TOL);
    }

    @Test
    void rdpoIsTheUnbiasedEstimator() {
        // [−0.9·log σ(βz) + 0.1·log σ(−βz)] / 0.8
        assertArrayEquals(new float[] {0.60220705f, 0.89185524f}, loss(new PreferenceLoss(Loss.RDPO, 0.1, 0.1, 0, 0)), TOL);
    }

    @Test
    void ipoRegressesTheMarginToOneOverTwoTau() {
        // (1.5 − 5)², (−3 − 5)²
        assertArrayEquals(new float[] {12.25f, 64f}, loss(new PreferenceLoss(Loss.IPO, 0.1, 0, 0, 0)), 1e-4f);
    }

    @Test
    void hingeIsMaxOfZeroAndOneMinusBetaZ() {
        assertArrayEquals(new float[] {0.85f, 1.3f}, loss(new PreferenceLoss(Loss.HINGE, 0.1, 0, 0, 0)), TOL);
        PairScores wide = new PairScores(manager.create(new float[] {0}), manager.create(new float[] {-20}),
                manager.create(new float[] {0}), manager.create(new float[] {0}), null, null, null);
        assertArrayEquals(new float[] {0f}, new PreferenceLoss(Loss.HINGE, 0.1, 0, 0, 0).perPair(wide).toFloatArray(), TOL); // βz = 2 ≥ 1
    }

    @Test
    void simpoUsesMeanLogProbsAndNoReference() {
        // Ŝ = (−2.5, −2.0) and (−4, −5); −log σ(2·ΔŜ − 0.5)
        PreferenceLoss simpo = new PreferenceLoss(Loss.SIMPO, 2.0, 0, 0.5, 0);
        assertFalse(simpo.usesReference());
        PairScores noRef = new PairScores(scores.policyChosen(), scores.policyRejected(), null, null,
                scores.chosenTokens(), scores.rejectedTokens(), null);
        assertArrayEquals(new float[] {1.70141328f, 0.20141328f}, simpo.perPair(noRef).toFloatArray(), TOL);
        assertArrayEquals(new float[] {-5f, -8f}, simpo.rewards(noRef)[0].toFloatArray(), TOL);
    }

    @Test
    void orpoAddsTheOddsRatioTermToTheChosenNll() {
        // −Ŝ_w + 0.1·(−log σ(LO_w − LO_l)), LO(s) = s − log(1 − eˢ)
        PreferenceLoss orpo = new PreferenceLoss(Loss.ORPO, 0.1, 0, 0, 0.1);
        assertFalse(orpo.usesReference());
        assertArrayEquals(new float[] {2.60116946f, 4.03101219f}, loss(orpo), TOL);
    }

    @Test
    void spaIsDpoForUnflaggedAndCdpoForFlaggedPairs() {
        PairScores refined = scores.withFlipWeight(manager.create(new float[] {0f, 0.1f}));
        assertArrayEquals(new float[] {0.62095705f, 0.82435524f}, new PreferenceLoss(Loss.SPA, 0.1, 0, 0, 0).perPair(refined).toFloatArray(), TOL);
        assertThrows(IllegalStateException.class, () -> new PreferenceLoss(Loss.SPA, 0.1, 0, 0, 0).perPair(scores));
    }

    @Test
    void rewardsAreBetaTimesPolicyMinusReference() {
        NDArray[] r = new PreferenceLoss(Loss.DPO, 0.1, 0, 0, 0).rewards(scores);
        assertArrayEquals(new float[] {0.1f, -0.2f}, r[0].toFloatArray(), TOL);
        assertArrayEquals(new float[] {-0.05f, 0.1f}, r[1].toFloatArray(), TOL);
    }

    @Test
    void dpoGradientFlowsThroughThePolicyScores() {
        NDArray chosen = manager.create(new float[] {-10});
        chosen.setRequiresGradient(true);
        PairScores one = new PairScores(chosen, manager.create(new float[] {-12}), manager.create(new float[] {-11}),
                manager.create(new float[] {-11.5f}), null, null, null);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(new PreferenceLoss(Loss.DPO, 0.1, 0, 0, 0).perPair(one).sum());
        }
        // ∂/∂S_θ(y_w) of −log σ(βz) = −β·(1 − σ(βz)) = −0.1·(1 − σ(0.15))
        assertEquals(-0.04625702f, chosen.getGradient().getFloat(0), TOL);
    }

    @Test
    void log1mExpIsAccurateNearZeroAndFarAway() {
        float[] s = {-1e-4f, -0.5f, -1f, -3f, -30f};
        float[] expected = {-9.21039037f, -0.93275213f, -0.45867515f, -0.05106918f, -9.3591801e-14f};
        float[] got = LogSigmoid.log1mExp(manager.create(s)).toFloatArray();
        for (int i = 0; i < s.length; i++) {
            assertEquals(expected[i], got[i], Math.abs(expected[i]) * 1e-4 + 1e-12, "s=" + s[i]);
        }
    }
}
