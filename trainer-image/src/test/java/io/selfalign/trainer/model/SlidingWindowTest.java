package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.generate.Generator;
import io.selfalign.trainer.generate.SamplingParams;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Mistral's sliding-window attention: each token sees itself and the W − 1 tokens before it. With L layers the
 * last token depends on exactly the last L·(W − 1) + 1 tokens, and rotary scores depend only on distances, so
 * the last logits of a long input equal those of that suffix alone — an exact check of the window's edges.
 */
class SlidingWindowTest {
    private static final int WINDOW = 3;
    private static final long[] IDS = {5, 9, 2, 17, 30, 11, 4, 23, 8, 14, 27, 6};

    private static ModelConfig config(int window) {
        return ModelConfig.builder().architecture(Architecture.MISTRAL.name()).vocabSize(32).hiddenSize(32).intermediateSize(64)
                .layers(2).heads(4).kvHeads(2).maxPositions(64).slidingWindow(window).build();
    }

    /** Logits of the last token [V] for the given ids (one row, no padding). */
    private static float[] lastLogits(DecoderModel m, long[] ids) {
        try (NDManager scope = m.manager().newSubManager()) {
            NDArray input = scope.create(ids, new Shape(1, ids.length));
            NDArray logits = m.forward(input, scope.ones(new Shape(1, ids.length), DataType.INT64));
            return logits.get(new NDIndex("0, -1")).toFloatArray();
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    @Test
    void theLastTokenSeesExactlyItsReceptiveField() {
        long[] suffix = Arrays.copyOfRange(IDS, IDS.length - (2 * (WINDOW - 1) + 1), IDS.length);
        long[] oneMore = Arrays.copyOfRange(IDS, IDS.length - (2 * (WINDOW - 1) + 2), IDS.length);
        try (DecoderModel windowed = DecoderModel.random(config(WINDOW), Device.cpu(), 7);
             DecoderModel full = DecoderModel.random(config(0), Device.cpu(), 7)) {
            float[] all = lastLogits(windowed, IDS);
            // fp32 tolerance: the rotary angles of the shifted positions differ in the last bits.
            assertTrue(maxAbsDiff(all, lastLogits(windowed, suffix)) < 1e-4, "the window let in more than its tokens");
            assertTrue(maxAbsDiff(lastLogits(windowed, oneMore), lastLogits(windowed, suffix)) < 1e-4);
            // Shorter than the window everywhere: identical to full attention (the same weights).
            float[] head = lastLogits(windowed, Arrays.copyOf(IDS, WINDOW));
            assertTrue(maxAbsDiff(head, lastLogits(full, Arrays.copyOf(IDS, WINDOW))) < 1e-6);
            // Without the window the earlier tokens matter: the check above can fail.
            assertTrue(maxAbsDiff(lastLogits(full, IDS), lastLogits(full, suffix)) > 1e-3);
            long[] shortened = Arrays.copyOfRange(IDS, IDS.length - 2 * (WINDOW - 1), IDS.length);
            assertTrue(maxAbsDiff(all, lastLogits(windowed, shortened)) > 1e-3, "the window let in too few tokens");
        }
    }

    @Test
    void cachedDecodingPastTheWindowMatchesRecomputation() {
        List<long[]> prompts = List.of(new long[] {5, 9, 2, 17}, new long[] {30, 11});
        try (DecoderModel m = DecoderModel.random(config(WINDOW), Device.cpu(), 3)) {
            Generator g = new Generator(m, 0, Set.of());
            SamplingParams greedy = SamplingParams.greedy(10, 2);
            List<long[]> cached = g.generate(prompts, greedy.withCache(true), 0);
            List<long[]> recomputed = g.generate(prompts, greedy.withCache(false), 0);
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(Arrays.toString(recomputed.get(i)), Arrays.toString(cached.get(i)), "prompt " + i);
            }
        }
    }

    @Test
    void configReadsTheWindowAndRefusesQwenSlidingLayers() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String common = "\"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"max_position_embeddings\": 32768, \"sliding_window\": 4096";
        ModelConfig mistral = ModelConfig.fromJson(json.readTree("{\"architectures\": [\"MistralForCausalLM\"], " + common + "}"));
        assertEquals(4096, mistral.slidingWindow());
        assertEquals(4096, mistral.toJson().get("sliding_window").asInt());
        ModelConfig qwen = ModelConfig.fromJson(json.readTree("{\"architectures\": [\"Qwen2ForCausalLM\"], " + common + "}"));
        assertEquals(0, qwen.slidingWindow(), "Qwen2 ignores sliding_window unless use_sliding_window is set");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(
                json.readTree("{\"architectures\": [\"Qwen2ForCausalLM\"], \"use_sliding_window\": true, " + common + "}")));
        assertTrue(e.getMessage().contains("use_sliding_window"), e.getMessage());
    }
}
