package io.selfalign.trainer.guidance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Plackett–Luce loss and its Bradley–Terry case against values worked by hand with Python's math module from
 * docs/algorithm.md §6 (float32, tolerance 1e-5).
 */
class RankingLossTest {
    private static final float TOL = 1e-5f;
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
    void twoResponsesAreBradleyTerry() {
        // −log σ(0.3 − (−0.2)) = −log σ(0.5)
        NDArray e = manager.create(new float[] {0.3f, -0.2f}, new Shape(1, 2));
        assertArrayEquals(new float[] {0.47407698f}, RankingLoss.perList(e).toFloatArray(), TOL);
    }

    @Test
    void threeResponsesArePlackettLuceWithItsGradient() {
        // [log(e^1 + e^0.5 + e^−0.5) − 1] + [log(e^0.5 + e^−0.5) − 0.5]; the reversed order is far less likely.
        NDArray e = manager.create(new float[] {1.0f, 0.5f, -0.5f, -0.5f, 0.5f, 1.0f}, new Shape(2, 3));
        e.setRequiresGradient(true);
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray loss = RankingLoss.perList(e);
            assertArrayEquals(new float[] {0.91739229f, 3.07820759f}, loss.toFloatArray(), TOL);
            c.backward(loss.get(0));
        }
        // ∂L/∂e_j = Σ_{i ≤ j} P_i(j) − 1, P_i the softmax over the responses ranked i or lower; list 2 has no gradient.
        assertArrayEquals(new float[] {-0.45345061f, 0.06255754f, 0.39089307f, 0, 0, 0}, e.getGradient().toFloatArray(), TOL);
    }
}
