package io.selfalign.trainer;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The transformers-made fixtures in test resources (tiny-llama, tiny-qwen2). */
public final class Fixtures {
    public static final List<String> NAMES = List.of("tiny-llama", "tiny-qwen2");

    private Fixtures() {
    }

    public static Path dir(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + name + "/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode expected(String name) throws IOException {
        return new ObjectMapper().readTree(dir(name).resolve("expected.json").toFile());
    }

    /** input_ids, attention_mask (int64) and logits (float32) that transformers computed. */
    public static NDList expectedTensors(String name, NDManager manager) throws IOException {
        return NDList.decode(manager, Files.readAllBytes(dir(name).resolve("expected.safetensors")));
    }

    public static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
