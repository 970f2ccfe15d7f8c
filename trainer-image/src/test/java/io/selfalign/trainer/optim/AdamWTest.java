package io.selfalign.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamWTest {

    @Test
    void twoStepsMatchTorchAdamWWorkedByHand() {
        // w = 1, lr = 0.1, wd = 0.01, g = 0.5 then −0.2; expected values from torch's update rule in Python.
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = m.create(new float[] {1f});
            NDArray frozen = m.create(new float[] {1f});
            AdamW adam = AdamW.withWeightDecay(0.01);
            adam.step(List.of(w, frozen), List.of(m.create(new float[] {0.5f}), m.create(new float[] {0f})), List.of(true, false), 0.1);
            assertEquals(0.899000002f, w.getFloat(0), 1e-6f);
            assertEquals(1f, frozen.getFloat(0), 0f); // zero gradient and no decay: unchanged
            adam.step(List.of(w, frozen), List.of(m.create(new float[] {-0.2f}), m.create(new float[] {0f})), List.of(true, false), 0.1);
            assertEquals(0.86354042f, w.getFloat(0), 1e-6f);
            assertEquals(2, adam.steps());
        }
    }
}
