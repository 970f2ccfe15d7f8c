package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.LrSchedule;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.optim.AdamW;
import io.selfalign.trainer.optim.DynamicLossScaler;
import io.selfalign.trainer.optim.LearningRateSchedule;
import io.selfalign.trainer.optim.ParameterUpdater;
import io.selfalign.trainer.optim.TrainableParameters;
import io.selfalign.trainer.score.SequenceScorer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA adapters on the tiny-llama fixture (d = 64, q 4×16, k/v 2×16, MLP 172, 2 layers): a fresh adapter changes
 * nothing, a step trains only the adapters, merging keeps the function, and the file is PEFT's.
 */
class LoraAdaptersTest {
    private static final List<String> ALL = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    private static DecoderModel load(DataType dtype) throws IOException {
        return Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu(), dtype);
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((n, a) -> out.put(n, a.toType(DataType.FLOAT32, true).toFloatArray()));
        return out;
    }

    @Test
    void freshAdaptersLeaveTheLogitsExactlyAsTheBase() throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); DecoderModel model = load(DataType.FLOAT32)) {
            NDList expected = Fixtures.expectedTensors("tiny-llama", m);
            NDArray ids = expected.get("input_ids");
            NDArray mask = expected.get("attention_mask");
            float[] base = model.forward(ids, mask).toFloatArray();
            LoraAdapters adapters = LoraAdapters.attach(model, 4, 8, 0.0, ALL, 3);
            // B = 0: each adapter adds exactly 0 (exact by construction).
            assertArrayEquals(base, model.forward(ids, mask).toFloatArray());
            assertArrayEquals(base, model.withoutAdapters(() -> model.forward(ids, mask)).toFloatArray());
            // A is PEFT's Kaiming-uniform: U(±1/√in), not zero.
            float[] a = adapters.parameters().get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").toFloatArray();
            float bound = (float) (1 / Math.sqrt(64));
            float max = 0;
            for (float v : a) max = Math.max(max, Math.abs(v));
            assertTrue(max <= bound && max > 0.5f * bound, "max |A| " + max + " for bound " + bound);
        }
    }

    /** One optimizer step of cross-entropy on the fixture ids through the trainer's updater; returns the adapters. */
    private static LoraAdapters trainOneStep(DecoderModel model, NDArray ids, NDArray mask, List<String> targets) {
        LoraAdapters adapters = LoraAdapters.attach(model, 4, 8, 0.0, targets, 3);
        adapters.setTrainable(true);
        DynamicLossScaler scaler = model.dataType() == DataType.FLOAT16 ? DynamicLossScaler.forFloat16() : DynamicLossScaler.none();
        TrainableParameters trainable = new TrainableParameters(adapters.parameters());
        assertEquals(model.dataType() == DataType.FLOAT16, trainable.mixedPrecision());
        ParameterUpdater updater = new ParameterUpdater(trainable, AdamW.withWeightDecay(0.01),
                LearningRateSchedule.of(LrSchedule.CONSTANT, 0, 1), 1e-2, 1.0, scaler);
        try (NDScope ignored = new NDScope()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                // tokenLogProbs widens float16 logits to float32 keeping the gradient.
                NDArray loss = SequenceScorer.tokenLogProbs(model.forward(ids, mask), ids).mean().neg();
                gc.backward(loss.mul(updater.lossScale()));
            }
            for (Map.Entry<String, NDArray> e : adapters.parameters().entrySet()) {
                float g = e.getValue().getGradient().abs().sum().toType(DataType.FLOAT32, false).getFloat();
                // With B = 0 the loss does not depend on A yet (∂L/∂A = sBᵀ…): only B moves at the first step.
                if (e.getKey().endsWith("lora_B.weight")) {
                    assertTrue(g > 0, e.getKey() + " got no gradient");
                } else {
                    assertEquals(0f, g, e.getKey());
                }
            }
            assertFalse(updater.step(0).skipped());
        }
        adapters.setTrainable(false);
        return adapters;
    }

    private static void onlyAdaptersTrain(DataType dtype) throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); DecoderModel model = load(dtype)) {
            NDList expected = Fixtures.expectedTensors("tiny-llama", m);
            NDArray ids = expected.get("input_ids");
            NDArray mask = expected.get("attention_mask");
            Map<String, float[]> before = snapshot(model.parameters());
            LoraAdapters adapters = trainOneStep(model, ids, mask, ALL);
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                assertFalse(e.getValue().hasGradient(), e.getKey() + " is frozen: no gradient buffer");
                // Exact by construction: nothing writes to a base weight.
                assertArrayEquals(before.get(e.getKey()), e.getValue().toType(DataType.FLOAT32, true).toFloatArray(), e.getKey());
            }
            float bSum = adapters.parameters().get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight")
                    .toType(DataType.FLOAT32, true).abs().sum().getFloat();
            assertTrue(bSum > 0, "B moved");
            assertEquals(dtype, adapters.parameters().values().iterator().next().getDataType());
        }
    }

    @Test
    void onlyTheAdaptersReceiveGradientsAndTheBaseStaysBitForBit() throws IOException {
        onlyAdaptersTrain(DataType.FLOAT32);
    }

    @Test
    void float16AdaptersTrainWithFloat32MastersAndLossScaling() throws IOException {
        onlyAdaptersTrain(DataType.FLOAT16);
    }

    /** Random non-zero B so that the adapters change the function noticeably. */
    private static void randomizeB(LoraAdapters adapters, long seed) {
        Random rng = new Random(seed);
        adapters.parameters().forEach((name, a) -> {
            if (!name.endsWith("lora_B.weight")) return;
            float[] v = new float[Math.toIntExact(a.getShape().size())];
            for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * 0.1);
            try (NDArray values = a.getManager().create(v, a.getShape())) {
                a.set(new NDIndex("..."), values.toType(a.getDataType(), false));
            }
        });
    }

    @Test
    void mergedForwardEqualsTheAdapterForward() throws IOException {
        // Every module, and a subset that leaves parts of the fused q/k/v and gate/up projections unadapted.
        for (List<String> targets : List.of(ALL, List.of("k_proj", "o_proj", "up_proj"))) {
            try (NDManager m = NDManager.newBaseManager(Device.cpu()); DecoderModel model = load(DataType.FLOAT32)) {
                NDList expected = Fixtures.expectedTensors("tiny-llama", m);
                NDArray ids = expected.get("input_ids");
                NDArray mask = expected.get("attention_mask");
                float[] base = model.forward(ids, mask).toFloatArray();
                LoraAdapters adapters = LoraAdapters.attach(model, 4, 8, 0.0, targets, 3);
                randomizeB(adapters, 5);
                float[] adapted = model.forward(ids, mask).toFloatArray();
                model.mergeAdapters();
                assertNull(model.adapters());
                float[] merged = model.forward(ids, mask).toFloatArray();
                float changed = 0;
                for (int i = 0; i < base.length; i++) {
                    changed = Math.max(changed, Math.abs(adapted[i] - base[i]));
                    assertEquals(adapted[i], merged[i], 1e-5, targets + " logit " + i);
                }
                assertTrue(changed > 1e-2, "the adapters changed the logits by " + changed);
            }
        }
    }

    @Test
    void dropoutActsOnlyWhileTheAdaptersTrain() throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); DecoderModel model = load(DataType.FLOAT32)) {
            NDList expected = Fixtures.expectedTensors("tiny-llama", m);
            NDArray ids = expected.get("input_ids");
            NDArray mask = expected.get("attention_mask");
            LoraAdapters noDropout = LoraAdapters.attach(model, 4, 8, 0.0, ALL, 3);
            randomizeB(noDropout, 5);
            float[] plain = model.forward(ids, mask).toFloatArray();
            model.mergeAdapters();
            try (DecoderModel other = load(DataType.FLOAT32)) {
                LoraAdapters withDropout = LoraAdapters.attach(other, 4, 8, 0.5, ALL, 3);
                randomizeB(withDropout, 5);
                // Not training: dropout is off, so the same adapters compute the same logits.
                float[] evaluated = other.forward(ids, mask).toFloatArray();
                for (int i = 0; i < plain.length; i++) assertEquals(plain[i], evaluated[i], 1e-5, "logit " + i);
                withDropout.setTrainable(true);
                float[] first = other.forward(ids, mask).toFloatArray();
                float[] second = other.forward(ids, mask).toFloatArray();
                withDropout.setTrainable(false);
                float differ = 0;
                for (int i = 0; i < first.length; i++) differ = Math.max(differ, Math.abs(first[i] - second[i]));
                assertTrue(differ > 1e-3, "two training forwards draw different dropout masks: " + differ);
            }
        }
    }

    @Test
    void targetsThatMatchNoProjectionAreRejected() throws IOException {
        try (DecoderModel model = load(DataType.FLOAT32)) {
            assertThrows(IllegalArgumentException.class, () -> LoraAdapters.attach(model, 4, 8, 0, List.of("wq"), 1));
            assertNull(model.adapters());
        }
    }

    @Test
    void theAdapterFilesAreInPeftsFormat(@TempDir Path dir) throws IOException {
        try (DecoderModel model = load(DataType.FLOAT32)) {
            LoraAdapters adapters = LoraAdapters.attach(model, 4, 8, 0.05, List.of("q_proj", "v_proj", "down_proj"), 3);
            PeftAdapterFiles.save(adapters, dir, "/workspace/models/sft");

            JsonNode config = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
            assertEquals("LORA", config.get("peft_type").asText());
            assertEquals("CAUSAL_LM", config.get("task_type").asText());
            assertEquals("/workspace/models/sft", config.get("base_model_name_or_path").asText());
            assertEquals(4, config.get("r").asInt());
            assertEquals(8.0, config.get("lora_alpha").asDouble());
            assertEquals(0.05, config.get("lora_dropout").asDouble());
            assertEquals("[\"q_proj\",\"v_proj\",\"down_proj\"]", config.get("target_modules").toString());
            assertEquals("none", config.get("bias").asText());
            assertFalse(config.get("fan_in_fan_out").asBoolean());

            // PEFT's names (get_peft_model_state_dict: the module path under base_model.model, adapter name
            // removed) and shapes (lora_A r × in, lora_B out × r), read from the file's own header.
            Map<String, String> want = new LinkedHashMap<>();
            for (int layer = 0; layer < 2; layer++) {
                String p = "base_model.model.model.layers." + layer + ".";
                want.put(p + "self_attn.q_proj.lora_A.weight", "[4,64]");
                want.put(p + "self_attn.q_proj.lora_B.weight", "[64,4]");
                want.put(p + "self_attn.v_proj.lora_A.weight", "[4,64]");
                want.put(p + "self_attn.v_proj.lora_B.weight", "[32,4]");
                want.put(p + "mlp.down_proj.lora_A.weight", "[4,172]");
                want.put(p + "mlp.down_proj.lora_B.weight", "[64,4]");
            }
            JsonNode header = safetensorsHeader(dir.resolve("adapter_model.safetensors"));
            Map<String, String> got = new LinkedHashMap<>();
            for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (name.equals("__metadata__")) continue;
                assertEquals("F32", header.get(name).get("dtype").asText(), name);
                got.put(name, header.get(name).get("shape").toString());
            }
            assertEquals(want, got);
        }
    }

    private static JsonNode safetensorsHeader(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new ObjectMapper().readTree(new String(bytes, 8, (int) length, java.nio.charset.StandardCharsets.UTF_8).trim());
    }
}
