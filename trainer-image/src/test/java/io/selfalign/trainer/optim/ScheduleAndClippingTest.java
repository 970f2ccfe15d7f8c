package io.selfalign.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.selfalign.api.round.LrSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleAndClippingTest {

    @Test
    void cosineWarmsUpLinearlyThenDecaysToZero() {
        LearningRateSchedule s = LearningRateSchedule.of(LrSchedule.COSINE, 0.1, 10); // ⌈1⌉ = 1 warm-up step
        assertEquals(1, s.warmupSteps());
        assertEquals(0.0, s.multiplier(0), 1e-12);
        assertEquals(1.0, s.multiplier(1), 1e-12);
        assertEquals(0.5868240888334653, s.multiplier(5), 1e-12); // ½(1 + cos(π·4/9))
        assertEquals(0.0, s.multiplier(10), 1e-12);
    }

    @Test
    void warmupRoundsUpAndRampsFromZero() {
        LearningRateSchedule s = LearningRateSchedule.of(LrSchedule.CONSTANT, 0.1, 25); // ⌈2.5⌉ = 3
        assertEquals(3, s.warmupSteps());
        assertEquals(1.0 / 3, s.multiplier(1), 1e-12);
        assertEquals(1.0, s.multiplier(3), 1e-12);
        assertEquals(1.0, s.multiplier(24), 1e-12);
    }

    @Test
    void linearDecaysToZeroAtTheLastStep() {
        LearningRateSchedule s = LearningRateSchedule.of(LrSchedule.LINEAR, 0.1, 10);
        assertEquals(5.0 / 9, s.multiplier(5), 1e-12); // (10 − 5) / (10 − 1)
        assertEquals(1.0 / 9, s.multiplier(9), 1e-12);
    }

    @Test
    void clippingScalesByTheGlobalNormNotPerElement() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.create(new float[] {3, 4});
            NDArray b = m.create(new float[] {12});
            List<NDArray> grads = List.of(a, b);
            double norm = GlobalNormClipping.norm(grads);
            assertEquals(13.0, norm, 1e-6);
            GlobalNormClipping.clip(grads, norm, 6.5); // factor 6.5 / (13 + 1e-6)
            assertArrayEquals(new float[] {1.5f, 2f}, a.toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {6f}, b.toFloatArray(), 1e-5f);
            GlobalNormClipping.clip(grads, GlobalNormClipping.norm(grads), 100); // below the limit: untouched
            assertArrayEquals(new float[] {6f}, b.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void scalerBacksOffOnOverflowAndGrowsAfterTheInterval() {
        DynamicLossScaler s = new DynamicLossScaler(8, 2, 0.5, 2);
        s.update(false);
        assertEquals(4, s.scale());
        s.update(true);
        assertEquals(4, s.scale());
        s.update(true);
        assertEquals(8, s.scale());
        s.update(true);
        s.update(false); // the streak restarts
        s.update(true);
        assertEquals(4, s.scale());
        DynamicLossScaler none = DynamicLossScaler.none();
        none.update(false);
        assertEquals(1, none.scale());
    }
}
