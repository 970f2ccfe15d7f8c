package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The descriptor properties a new family would set (norm offset, embedding scale, logit soft-cap, tensor
 * names) act where they should: each is checked against an equivalent Llama model with rewritten weights.
 * fp32 on CPU; the equivalent forms round differently, hence tolerances of 1e-5 on logits of size ~1.
 */
class ArchitectureSeamTest {
    private static final long[] IDS = {3, 7, 1, 12, 5, 9};
    private static final double TOLERANCE = 1e-5;

    private static Architecture llamaWith(float normOffset, boolean scaleEmbeddings, float logitSoftCap, TensorNames names) {
        Architecture l = Architecture.LLAMA;
        return new Architecture("TestForCausalLM", "test", l.qkvBias(), l.slidingWindow(), l.tiedByDefault(), normOffset,
                l.activation(), scaleEmbeddings, logitSoftCap, names);
    }

    private static ModelConfig config(Architecture arch) {
        // Untied head: scaling the embeddings must not scale the head.
        return ModelConfig.builder().architecture(arch).vocabSize(16).hiddenSize(16).intermediateSize(32).layers(2)
                .heads(2).maxPositions(16).tieWordEmbeddings(false).build();
    }

    private static float[] logits(DecoderModel m) {
        try (NDManager scope = m.manager().newSubManager()) {
            NDArray input = scope.create(IDS, new Shape(1, IDS.length));
            return m.forward(input, scope.ones(new Shape(1, IDS.length), DataType.INT64)).toFloatArray();
        }
    }

    /** Logits of a model of {@code arch} holding the reference Llama weights, rewritten by {@code rewrite}. */
    private static float[] logitsOf(Architecture arch, Consumer<DecoderModel> rewrite) {
        try (DecoderModel reference = DecoderModel.random(config(Architecture.LLAMA), Device.cpu(), 3);
             DecoderModel m = DecoderModel.random(config(arch), Device.cpu(), 4)) {
            m.copyWeightsFrom(reference);
            rewrite.accept(m);
            return logits(m);
        }
    }

    private static float[] referenceLogits() {
        try (DecoderModel reference = DecoderModel.random(config(Architecture.LLAMA), Device.cpu(), 3)) {
            return logits(reference);
        }
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, "logit " + i);
        }
    }

    @Test
    void normOffsetScalesByOffsetPlusWeight() {
        float[] shifted = logitsOf(llamaWith(1f, false, 0f, TensorNames.LLAMA), m -> m.parameters().forEach((name, w) -> {
            if (name.endsWith("norm.weight") || name.endsWith("layernorm.weight")) {
                w.subi(1f);
            }
        }));
        assertClose(referenceLogits(), shifted);
        try (DecoderModel fresh = DecoderModel.random(config(llamaWith(1f, false, 0f, TensorNames.LLAMA)), Device.cpu(), 0)) {
            assertEquals(0f, fresh.parameters().get("model.norm.weight").getFloat(0), "a fresh norm scale is 1 = offset + 0");
        }
    }

    @Test
    void embeddingScaleMultipliesTheEmbeddingsBySqrtWidth() {
        float[] scaled = logitsOf(llamaWith(0f, true, 0f, TensorNames.LLAMA),
                m -> m.parameters().get("model.embed_tokens.weight").divi((float) Math.sqrt(16)));
        assertClose(referenceLogits(), scaled);
    }

    @Test
    void logitSoftCapIsCapTimesTanhOfLogitsOverCap() {
        float cap = 0.5f;
        float[] plain = referenceLogits();
        float[] capped = logitsOf(llamaWith(0f, false, cap, TensorNames.LLAMA), m -> { });
        float[] expected = new float[plain.length];
        for (int i = 0; i < plain.length; i++) {
            expected[i] = (float) (cap * Math.tanh(plain[i] / cap));
            assertTrue(Math.abs(capped[i]) < cap);
        }
        assertClose(expected, capped);
    }

    @Test
    void checkpointTensorsAreNamedByTheFamilysTensorNames(@TempDir Path dir) throws Exception {
        TensorNames gptStyle = new TensorNames("transformer.wte", "transformer.h.", "ln_1", "attn.q", "attn.k", "attn.v",
                "attn.c_proj", "ln_2", "mlp.w_gate", "mlp.w_up", "mlp.c_proj", "transformer.ln_f", "head");
        ModelConfig c = ModelConfig.builder().architecture(llamaWith(0f, false, 0f, gptStyle)).vocabSize(8).hiddenSize(8)
                .intermediateSize(16).layers(1).heads(2).maxPositions(8).tieWordEmbeddings(false).build();
        try (DecoderModel m = DecoderModel.random(c, Device.cpu(), 0)) {
            Checkpoint.save(m, dir);
        }
        try (SafetensorsReader r = SafetensorsReader.open(dir)) {
            assertEquals(Set.of("transformer.wte.weight", "transformer.h.0.ln_1.weight", "transformer.h.0.attn.q.weight",
                    "transformer.h.0.attn.k.weight", "transformer.h.0.attn.v.weight", "transformer.h.0.attn.c_proj.weight",
                    "transformer.h.0.ln_2.weight", "transformer.h.0.mlp.w_gate.weight", "transformer.h.0.mlp.w_up.weight",
                    "transformer.h.0.mlp.c_proj.weight", "transformer.ln_f.weight", "head.weight"), r.tensors().keySet());
            assertEquals(8, r.info("transformer.h.0.attn.k.weight").shape()[0], "k rows split back out of the fused q/k/v");
            assertEquals(16, r.info("transformer.h.0.mlp.w_up.weight").shape()[0], "up rows split back out of gate/up");
        }
    }
}
