package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.selfalign.trainer.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Logits of a right-padded batch against transformers' own (fp32, CPU, 1e-4), and save → load round trips. */
class DecoderModelFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void logitsMatchTransformers(String fixture) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu())) {
            NDList expected = Fixtures.expectedTensors(fixture, m);
            NDArray logits = model.forward(expected.get("input_ids"), expected.get("attention_mask"));
            NDArray want = expected.get("logits");
            assertEquals(want.getShape(), logits.getShape());
            float maxDiff = logits.sub(want).abs().max().getFloat();
            assertTrue(maxDiff < 1e-4, fixture + ": max |Δlogit| = " + maxDiff);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void saveThenLoadGivesIdenticalLogits(String fixture, @TempDir Path out) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu())) {
            Checkpoint.save(model, out);
            try (DecoderModel again = Checkpoint.load(out, Device.cpu());
                 SafetensorsReader original = SafetensorsReader.open(Fixtures.dir(fixture));
                 SafetensorsReader written = SafetensorsReader.open(out)) {
                assertEquals(original.tensors().keySet(), written.tensors().keySet());
                original.tensors().forEach((name, info) -> {
                    assertEquals(info.dtype(), written.info(name).dtype(), name);
                    assertEquals(java.util.Arrays.toString(info.shape()),
                            java.util.Arrays.toString(written.info(name).shape()), name);
                });
                NDList expected = Fixtures.expectedTensors(fixture, m);
                NDArray a = model.forward(expected.get("input_ids"), expected.get("attention_mask"));
                NDArray b = again.forward(expected.get("input_ids"), expected.get("attention_mask"));
                assertEquals(0f, a.sub(b).abs().max().getFloat());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void shardedCheckpointLoadsLikeTheSingleFile(@TempDir Path out) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             DecoderModel model = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu())) {
            Checkpoint.save(model, out, 100_000);
            assertTrue(java.nio.file.Files.exists(out.resolve("model.safetensors.index.json")));
            assertTrue(java.nio.file.Files.exists(out.resolve("model-00002-of-00006.safetensors")));
            try (DecoderModel sharded = Checkpoint.load(out, Device.cpu())) {
                NDList expected = Fixtures.expectedTensors("tiny-llama", m);
                NDArray a = model.forward(expected.get("input_ids"), expected.get("attention_mask"));
                NDArray b = sharded.forward(expected.get("input_ids"), expected.get("attention_mask"));
                assertEquals(0f, a.sub(b).abs().max().getFloat());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void missingTensorAndShapeMismatchNameTheFileAndTensor(@TempDir Path out) throws Exception {
        java.nio.file.Files.copy(Fixtures.dir("tiny-qwen2").resolve("model.safetensors"), out.resolve("model.safetensors"));
        // The qwen2 weights under a llama config: no bias expected, but the untied head is missing.
        java.nio.file.Files.copy(Fixtures.dir("tiny-llama").resolve("config.json"), out.resolve("config.json"));
        CheckpointException e = org.junit.jupiter.api.Assertions.assertThrows(CheckpointException.class,
                () -> Checkpoint.load(out, Device.cpu()).close());
        assertTrue(e.getMessage().contains("k_proj.weight") && e.getMessage().contains("shape"), e.getMessage());
        String config = java.nio.file.Files.readString(out.resolve("config.json"))
                .replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4")
                .replace("\"intermediate_size\": 172", "\"intermediate_size\": 128");
        java.nio.file.Files.writeString(out.resolve("config.json"), config);
        e = org.junit.jupiter.api.Assertions.assertThrows(CheckpointException.class,
                () -> Checkpoint.load(out, Device.cpu()).close());
        assertTrue(e.getMessage().contains("missing tensor 'lm_head.weight'"), e.getMessage());
        java.nio.file.Files.writeString(out.resolve("config.json"), config.replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        e = org.junit.jupiter.api.Assertions.assertThrows(CheckpointException.class,
                () -> Checkpoint.load(out, Device.cpu()).close());
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("GPT2LMHeadModel"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"F16", "BF16"})
    void halfPrecisionCheckpointsRoundTripTheirDtype(String dtype, @TempDir Path dir) throws Exception {
        ModelConfig config = ModelConfig.builder().vocabSize(40).hiddenSize(32).intermediateSize(64).layers(1)
                .heads(4).kvHeads(2).tieWordEmbeddings(false).build();
        Path out = dir.resolve("half");
        try (DecoderModel fresh = DecoderModel.random(config, Device.cpu(), 3)) {
            Checkpoint.save(fresh, out, Checkpoint.DEFAULT_SHARD_BYTES, dtype);
            try (SafetensorsReader r = SafetensorsReader.open(out);
                 DecoderModel back = Checkpoint.load(out, Device.cpu())) {
                r.tensors().values().forEach(t -> assertEquals(dtype, t.dtype(), t.name()));
                assertRoundedFrom(fresh, back, "lm_head.weight", dtype);
                // Saving what was loaded again gives the same bytes back.
                Path again = dir.resolve("again");
                Checkpoint.save(back, again);
                assertArrayEquals(Files.readAllBytes(out.resolve("model.safetensors")),
                        Files.readAllBytes(again.resolve("model.safetensors")));
            }
        }
    }

    @Test
    void aBf16TensorLargerThanOneReadChunkLoadsWhole(@TempDir Path dir) throws Exception {
        // The embedding, 9000 × 2048 floats = 70 MiB as float32, is widened in two chunks through one reused buffer.
        ModelConfig config = ModelConfig.builder().vocabSize(9000).hiddenSize(2048).intermediateSize(16).layers(1)
                .heads(16).build();
        try (DecoderModel fresh = DecoderModel.random(config, Device.cpu(), 5)) {
            Checkpoint.save(fresh, dir, Checkpoint.DEFAULT_SHARD_BYTES, "BF16");
            try (DecoderModel back = Checkpoint.load(dir, Device.cpu())) {
                assertRoundedFrom(fresh, back, "model.embed_tokens.weight", "BF16");
            }
        }
    }

    /** Every element of the loaded tensor is the original rounded to the half dtype, nothing else. */
    private static void assertRoundedFrom(DecoderModel original, DecoderModel loaded, String name, String dtype) {
        NDArray w = original.parameters().get(name);
        NDArray w2 = loaded.parameters().get(name);
        float rel = w.sub(w2).abs().max().getFloat() / w.abs().max().getFloat();
        // bf16 keeps 8 mantissa bits, fp16 11: relative rounding error below 2^-8 / 2^-11.
        assertTrue(rel < ("BF16".equals(dtype) ? 1f / 256 : 1f / 2048), name + ": " + dtype + " rel error " + rel);
    }
}
