package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import org.junit.jupiter.api.Test;

/** A copy must not share storage with the original: the frozen DND reference is such a copy. */
class ModelCopyTest {
    @Test
    void copyIsIndependentOfTheOriginal() {
        ModelConfig c = ModelConfig.builder().vocabSize(8).hiddenSize(8).intermediateSize(16).layers(1).heads(2).maxPositions(8).build();
        try (DecoderModel m = DecoderModel.random(c, Device.cpu(), 0); DecoderModel copy = m.copy()) {
            NDArray w = m.parameters().get("model.norm.weight");
            w.addi(1f);
            assertEquals(2f, w.getFloat(0));
            assertEquals(1f, copy.parameters().get("model.norm.weight").getFloat(0), "the copy changed with the original");
        }
    }
}
