package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The family descriptor comes from config.json's architectures (or model_type), and unknown families are refused. */
class ArchitectureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHAPE = "\"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 16,"
            + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"max_position_embeddings\": 32";

    private static ModelConfig parse(String family) throws Exception {
        return ModelConfig.fromJson(JSON.readTree("{" + family + ", " + SHAPE + "}"));
    }

    @ParameterizedTest
    @CsvSource({"LlamaForCausalLM, llama", "MistralForCausalLM, mistral", "Qwen2ForCausalLM, qwen2"})
    void eachSupportedFamilyIsChosenByArchitecturesOrModelType(String name, String modelType) throws Exception {
        Architecture byName = parse("\"architectures\": [\"" + name + "\"], \"model_type\": \"" + modelType + "\"").architecture();
        assertEquals(name, byName.name());
        assertEquals(modelType, byName.modelType());
        assertEquals(byName, parse("\"model_type\": \"" + modelType + "\"").architecture(), "model_type alone");
        ModelConfig written = ModelConfig.fromJson(parse("\"architectures\": [\"" + name + "\"]").toJson());
        assertEquals(byName, written.architecture(), "toJson names the family it was read as");
    }

    @Test
    void familyDefaultsFollowTheDescriptor() throws Exception {
        ModelConfig llama = parse("\"architectures\": [\"LlamaForCausalLM\"]");
        ModelConfig qwen = parse("\"architectures\": [\"Qwen2ForCausalLM\"]");
        assertFalse(llama.qkvBias());
        assertFalse(llama.tieWordEmbeddings());
        assertTrue(qwen.qkvBias(), "Qwen2's q/k/v projections always have a bias");
        assertTrue(qwen.tieWordEmbeddings(), "Qwen2 ties the head unless the config says otherwise");
        assertFalse(qwen.outputBias());
        assertTrue(parse("\"architectures\": [\"LlamaForCausalLM\"], \"attention_bias\": true").outputBias());
    }

    @Test
    void anUnknownFamilyIsRefusedNamingTheField() {
        IllegalArgumentException byName = assertThrows(IllegalArgumentException.class,
                () -> parse("\"architectures\": [\"GemmaForCausalLM\"], \"model_type\": \"gemma\""));
        assertTrue(byName.getMessage().startsWith("architectures: unsupported architecture 'GemmaForCausalLM'"),
                byName.getMessage());
        assertTrue(byName.getMessage().contains("Qwen2ForCausalLM"), "lists the supported ones: " + byName.getMessage());
        IllegalArgumentException byType = assertThrows(IllegalArgumentException.class, () -> parse("\"model_type\": \"gemma\""));
        assertTrue(byType.getMessage().startsWith("model_type: unsupported model type 'gemma'"), byType.getMessage());
        IllegalArgumentException neither = assertThrows(IllegalArgumentException.class, () -> parse("\"torch_dtype\": \"float32\""));
        assertTrue(neither.getMessage().startsWith("model_type: "), neither.getMessage());
    }

    @Test
    void aCheckpointOfAnUnknownFamilyIsRefusedWithItsFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"GemmaForCausalLM\"], " + SHAPE + "}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelConfig.read(dir));
        assertTrue(e.getMessage().contains("config.json: architectures: unsupported architecture 'GemmaForCausalLM'"),
                e.getMessage());
    }
}
