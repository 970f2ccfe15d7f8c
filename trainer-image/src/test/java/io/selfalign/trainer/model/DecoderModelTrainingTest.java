package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.score.SequenceScorer;
import org.junit.jupiter.api.Test;

/** Gradients flow to every parameter, a fresh model learns, and the fp16 compute path agrees with fp32. */
class DecoderModelTrainingTest {

    private static final ModelConfig SMALL = ModelConfig.builder().vocabSize(36).hiddenSize(32).intermediateSize(64)
            .layers(2).heads(4).kvHeads(2).maxPositions(20).tieWordEmbeddings(true).build();

    @Test
    void freshModelLearnsASequenceWithCrossEntropy() {
        try (DecoderModel model = DecoderModel.random(SMALL, Device.cpu(), 1);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            model.setTrainable(true);
            assertEquals(SMALL.parameterCount(), model.trainableParameters().stream()
                    .mapToLong(p -> p.getShape().size()).sum());
            NDArray ids = m.create(new long[] {1, 5, 9, 7, 3, 30, 2, 0, 1, 6, 6, 8, 4, 2, 2, 0}, new Shape(2, 8));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1}, new Shape(2, 8));
            float first = 0;
            float last = 0;
            for (int step = 0; step < 30; step++) {
                try (NDScope scope = new NDScope()) {
                    NDArray loss;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray logp = SequenceScorer.tokenLogProbs(model.forward(ids, mask), ids);
                        NDArray targetMask = mask.get(":, 1:").toType(DataType.FLOAT32, false);
                        loss = logp.mul(targetMask).sum().neg().div(targetMask.sum());
                        gc.backward(loss);
                    }
                    for (NDArray p : model.trainableParameters()) {
                        NDArray g = p.getGradient();
                        if (step == 0) {
                            assertTrue(g.abs().sum().getFloat() > 0, "a parameter got no gradient");
                        }
                        p.subi(g.mul(0.05f));
                        g.subi(g); // gradients accumulate until cleared
                    }
                    float value = loss.getFloat();
                    first = step == 0 ? value : first;
                    last = value;
                }
            }
            assertTrue(last < first * 0.5, "loss " + first + " -> " + last);
        }
    }

    @Test
    void fp16ComputeAgreesWithFp32OnCpu() throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             DecoderModel fp32 = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu());
             DecoderModel fp16 = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu(), DataType.FLOAT16);
             DecoderModel copied = fp32.copy(DataType.FLOAT16)) {
            assertEquals(DataType.FLOAT16, fp16.dataType());
            NDList expected = Fixtures.expectedTensors("tiny-llama", m);
            NDArray mask = expected.get("attention_mask");
            // Padded with the real pad token (id 0), whose embedding is all zeros: RMSNorm must not give 0/0.
            NDArray ids = expected.get("input_ids");
            NDArray want = fp32.forward(ids, mask);
            NDArray got = fp16.forward(ids, mask).toType(DataType.FLOAT32, false);
            NDArray viaCopy = copied.forward(ids, mask).toType(DataType.FLOAT32, false);
            NDArray real = mask.expandDims(2).toType(DataType.FLOAT32, false);
            float scale = want.abs().max().getFloat();
            float err = got.sub(want).mul(real).abs().max().getFloat();
            // fp16 keeps ~3 decimal digits; through 2 layers the logits stay within 2% of their range.
            assertTrue(err < 0.02 * scale, "fp16 max error " + err + " for logits up to " + scale);
            assertEquals(0f, viaCopy.sub(got).abs().max().getFloat());
            // Same greedy choices where fp32 is not near a tie.
            assertTrue(got.argMax(2).eq(want.argMax(2)).toType(DataType.FLOAT32, false).mul(real.squeeze(2))
                    .sum().getFloat() >= 0.95f * real.sum().getFloat());
            // Master weights stay fp32: copying back and forth keeps the working copy in fp16.
            copied.copyWeightsFrom(fp32);
            assertEquals(DataType.FLOAT16, copied.parameters().get("model.norm.weight").getDataType());
        }
    }
}
