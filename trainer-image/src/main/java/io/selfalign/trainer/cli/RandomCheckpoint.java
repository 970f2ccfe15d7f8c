package io.selfalign.trainer.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A randomly initialised model in Hugging Face layout with a word-level tokenizer over its whole vocabulary
 * ({@code <pad>} 0, {@code <s>} 1, {@code </s>} 2 = EOS, {@code <unk>} 3, then word {@code w<i>} = id i), so the
 * CLI commands run on it and any text of {@link #words} maps to known ids one word per token.
 */
final class RandomCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SPECIAL = {"<pad>", "<s>", "</s>", "<unk>"};

    private RandomCheckpoint() {
    }

    static void write(ModelConfig config, long seed, Path dir) throws IOException {
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), seed)) {
            Checkpoint.save(model, dir);
        }
        ObjectNode vocab = JSON.createObjectNode();
        ObjectNode tokenizer = JSON.createObjectNode().put("version", "1.0");
        var added = tokenizer.putArray("added_tokens");
        for (int i = 0; i < SPECIAL.length; i++) {
            vocab.put(SPECIAL[i], i);
            added.addObject().put("id", i).put("content", SPECIAL[i]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        for (int i = SPECIAL.length; i < config.vocabSize(); i++) vocab.put("w" + i, i);
        tokenizer.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        tokenizer.putObject("model").put("type", "WordLevel").put("unk_token", "<unk>").set("vocab", vocab);
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(tokenizer));
        Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 0}\n");
    }

    /** {@code count} random non-special words of the vocabulary, space-separated: {@code count} tokens. */
    static String words(Random rng, int vocabSize, int count) {
        StringBuilder s = new StringBuilder();
        for (int t = 0; t < count; t++) {
            s.append(t == 0 ? "" : " ").append('w').append(SPECIAL.length + rng.nextInt(vocabSize - SPECIAL.length));
        }
        return s.toString();
    }
}
