package io.selfalign.trainer.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.selfalign.trainer.model.CheckpointException;
import io.selfalign.trainer.files.WorkspacePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's tokenizers binding: no truncation, no padding.
 * {@code encode(text, true)} adds the tokenizer's special tokens as transformers' {@code tokenizer(text)}
 * does; rendered chat templates already contain them, so encode those with {@code false}.
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    /** Loads {@code dir/tokenizer.json}. */
    public static TextTokenizer load(Path dir) throws IOException {
        Path file = WorkspacePath.check(dir.resolve("tokenizer.json"));
        if (!Files.exists(file)) {
            throw new CheckpointException(file + ": not found");
        }
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "false", "truncation", "false", "padding", "false",
                    "modelMaxLength", String.valueOf(Integer.MAX_VALUE))), file);
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": cannot be read as a tokenizer: " + e.getMessage());
        }
    }

    /**
     * @throws IllegalArgumentException naming the first word the tokenizer cannot encode (a WordLevel vocabulary
     *         without its unknown token fails on any word outside it), so that callers can add the file and line
     */
    public long[] encode(String text, boolean addSpecialTokens) {
        try {
            return tokenizer.encode(text, addSpecialTokens, false).getIds();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(unencodable(text) + " (" + file + ": " + e.getMessage() + ")");
        }
    }

    /** The first whitespace-separated word that fails alone: the tokenizer's own error names no word. */
    private String unencodable(String text) {
        for (String word : text.strip().split("\\s+")) {
            try {
                tokenizer.encode(word, false, false);
            } catch (RuntimeException e) {
                return "the word '" + (word.length() > 64 ? word.substring(0, 64) + "..." : word) + "' cannot be tokenized";
            }
        }
        return "the text cannot be tokenized";
    }

    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** The id of a token string (e.g. "&lt;|eos|&gt;"), or -1 when the vocabulary lacks it. */
    public long tokenId(String token) {
        long[] ids = tokenizer.encode(token, false, false).getIds();
        return ids.length == 1 ? ids[0] : -1;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
