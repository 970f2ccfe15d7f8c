package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Both rope config styles, and inv_freq per rope type against transformers' formulas computed by hand. */
class RopeConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ModelConfig parse(String rope) throws Exception {
        return ModelConfig.fromJson(JSON.readTree("{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 10,"
                + " \"hidden_size\": 16, \"intermediate_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                + " \"max_position_embeddings\": 512" + rope + "}"));
    }

    @Test
    void readsBothConfigStyles() throws Exception {
        ModelConfig legacy = parse(", \"rope_theta\": 500000.0, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}");
        ModelConfig modern = parse(", \"rope_parameters\": {\"rope_theta\": 500000.0, \"rope_type\": \"linear\", \"factor\": 2.0}");
        assertEquals(legacy.rope(), modern.rope());
        assertEquals(new ModelConfig.RopeScaling("linear", 500000.0, 2.0, 1.0, 4.0, 512), legacy.rope());
        assertEquals(ModelConfig.RopeScaling.plain(10000.0), parse("").rope());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}"));
        assertTrue(e.getMessage().contains("yarn"));
    }

    @Test
    void inverseFrequenciesFollowTransformers() throws Exception {
        // head_dim 8: base inv_freq = theta^(-i/4), i = 0..3.
        ModelConfig plain = parse(", \"rope_theta\": 10000.0");
        float[] base = new RotaryEmbedding(plain).inverseFrequencies(0);
        assertEquals(1.0f, base[0]);
        assertEquals(0.1f, base[1], 1e-7);
        assertEquals(0.01f, base[2], 1e-8);
        assertEquals(0.001f, base[3], 1e-9);

        float[] linear = new RotaryEmbedding(parse(", \"rope_theta\": 10000.0, \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 4.0}"))
                .inverseFrequencies(0);
        assertEquals(0.025f, linear[1], 1e-8);

        // llama3 (factor 8, low 1, high 4, original 64): wavelengths 2π/inv = 6.28, 62.8, 628, 6283.
        // high_freq_wavelen = 16, low_freq_wavelen = 64: i=0 kept; i=1 in between (smoothed); i=2,3 divided by 8.
        float[] llama3 = new RotaryEmbedding(parse(", \"rope_theta\": 10000.0, \"rope_scaling\": {\"rope_type\": \"llama3\","
                + " \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}"))
                .inverseFrequencies(0);
        assertEquals(1.0f, llama3[0]);
        double smooth = (64 / (2 * Math.PI / 0.1) - 1.0) / (4.0 - 1.0);
        assertEquals((float) ((1 - smooth) * 0.1 / 8 + smooth * 0.1), llama3[1], 1e-7);
        assertEquals(0.01f / 8, llama3[2], 1e-9);
        assertEquals(0.001f / 8, llama3[3], 1e-10);

        // dynamic NTK at 1024 tokens over an original 512, factor 2: base *= (2·1024/512 − 1)^(8/6).
        float[] dynamic = new RotaryEmbedding(parse(", \"rope_theta\": 10000.0, \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}"))
                .inverseFrequencies(1024);
        double newBase = 10000.0 * Math.pow(3.0, 8.0 / 6.0);
        assertEquals((float) Math.pow(newBase, -0.25), dynamic[1], 1e-7);
    }
}
