package io.selfalign.trainer.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.selfalign.trainer.model.LlamaModel;
import io.selfalign.trainer.model.ModelConfig;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fp16-compute / fp32-master training path, run on CPU. */
class MixedPrecisionTest {

    @Test
    void fp16StepsOnFp32MasterWeightsReduceTheLoss() {
        ModelConfig config = ModelConfig.builder().vocabSize(36).hiddenSize(32).intermediateSize(64).layers(2)
                .heads(4).maxPositions(20).build();
        try (LlamaModel master = LlamaModel.random(config, Device.cpu(), 4);
             MixedPrecision mp = new MixedPrecision(master);
             NDManager m = NDManager.newBaseManager()) {
            assertEquals(DataType.FLOAT16, mp.working().dataType());
            NDArray ids = m.create(new long[] {1, 4, 8, 15, 16, 23, 2, 1, 9, 9, 10, 11, 2, 0}, new Shape(2, 7));
            NDArray mask = m.ones(new Shape(2, 7), DataType.INT64);
            float first = 0;
            float last = 0;
            int applied = 0;
            for (int step = 0; step < 40; step++) {
                try (NDScope scope = new NDScope()) {
                    NDArray loss;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        loss = SequenceScorer.tokenLogProbs(mp.working().forward(ids, mask), ids).mean().neg();
                        gc.backward(mp.scale(loss));
                    }
                    float value = loss.toType(DataType.FLOAT32, false).getFloat();
                    first = step == 0 ? value : first;
                    last = value;
                    Map<String, NDArray> grads = mp.masterGradients();
                    if (grads == null) {
                        continue; // overflow at this loss scale: skipped, scale halved (as GradScaler does)
                    }
                    applied++;
                    grads.forEach((name, g) -> {
                        NDArray w = master.parameters().get(name);
                        assertEquals(DataType.FLOAT32, g.getDataType());
                        w.subi(g.mul(0.1f));
                    });
                    mp.syncWorking();
                }
            }
            assertEquals(DataType.FLOAT32, master.dataType());
            assertTrue(applied >= 25 && mp.lossScale() < 65536f, applied + " steps applied, scale " + mp.lossScale());
            assertTrue(last < first * 0.8, "loss " + first + " -> " + last);
        }
    }
}
