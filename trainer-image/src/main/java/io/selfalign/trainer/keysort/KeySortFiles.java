package io.selfalign.trainer.keysort;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.files.AtomicWrite;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a KeySort instance in the formats a real run reads: JSONL data files and the tokenizer files of
 * a Hugging Face model directory. Every file is written to a temporary sibling and renamed, so a reader
 * never sees half a file.
 */
public final class KeySortFiles {
    public static final String SEED = "seed.jsonl";
    public static final String PROMPTS = "prompts.jsonl";
    public static final String TEST = "test.jsonl";
    /** Gold pairs for every pool prompt. */
    public static final String ALL_GOLD = "all-gold.jsonl";
    /** Held-out gold pairs that measure the judge, never trained on: the pool's last pairs. */
    public static final String VALIDATION = "validation.jsonl";
    /** The pool without the validation pairs: the "DPO on 100% gold labels" arm of the benchmark. */
    public static final String TRAINING_GOLD = "all-gold-except-validation.jsonl";
    /** The SFT demonstrations, {@code {"prompt", "response"}}. */
    public static final String SFT = "sft.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private KeySortFiles() {}

    /** {@code <workspace>/data/<task>}, e.g. {@code data/keysort}. */
    public static Path dataDir(Path workspace, KeySortTask task) {
        return workspace.resolve("data").resolve(task.label());
    }

    public static void writeData(KeySortGenerator.Data data, Path dir) throws IOException {
        Files.createDirectories(dir);
        writeJsonl(dir.resolve(SEED), data.seedPairs().stream().map(KeySortFiles::pairRow).toList());
        writeJsonl(dir.resolve(ALL_GOLD), data.pool().stream().map(KeySortFiles::pairRow).toList());
        writeJsonl(dir.resolve(VALIDATION), data.validationPairs().stream().map(KeySortFiles::pairRow).toList());
        writeJsonl(dir.resolve(TRAINING_GOLD), data.trainingGold().stream().map(KeySortFiles::pairRow).toList());
        writeJsonl(dir.resolve(PROMPTS), data.iterationPrompts().stream().map(k -> row("prompt", KeySortVocab.promptText(k))).toList());
        writeJsonl(dir.resolve(TEST), data.test().stream().map(k -> row("prompt", KeySortVocab.promptText(k))).toList());
        writeJsonl(dir.resolve(SFT), data.sft().stream()
                .map(d -> row("prompt", d.prompt(), "response", KeySortVocab.join(d.response()))).toList());
    }

    private static Map<String, String> pairRow(KeySortGenerator.Pair p) {
        return row("prompt", p.prompt(), "chosen", KeySortVocab.join(p.chosen()), "rejected", KeySortVocab.join(p.rejected()));
    }

    /** A JSONL row with its fields in the order given (readable files). */
    private static Map<String, String> row(String... keyValues) {
        Map<String, String> row = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) row.put(keyValues[i], keyValues[i + 1]);
        return row;
    }

    /**
     * The tokenizer files of the model directory: a WordLevel {@code tokenizer.json} over the 36 tokens
     * (specials as added tokens, whitespace-split pre-tokenizer; no post-processor, since the prompt text
     * already carries BOS and SEP) and a {@code tokenizer_config.json} naming the specials.
     */
    public static void writeTokenizer(Path modelDir) throws IOException {
        Files.createDirectories(modelDir);
        ObjectNode tok = JSON.createObjectNode();
        tok.put("version", "1.0");
        tok.putNull("truncation");
        tok.putNull("padding");
        ArrayNode added = tok.putArray("added_tokens");
        for (int id = 0; id < KeySortVocab.FIRST_CONTENT; id++) {
            added.addObject().put("id", id).put("content", KeySortVocab.text(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        tok.putNull("normalizer");
        tok.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        tok.putNull("post_processor");
        tok.putNull("decoder"); // without a decoder, tokenizers join the tokens with single spaces
        ObjectNode model = tok.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < KeySortVocab.SIZE; id++) vocab.put(KeySortVocab.text(id), id);
        // not in the vocabulary on purpose: a word outside KeySort fails loudly instead of becoming a token
        model.put("unk_token", "<unk>");
        writeJson(modelDir.resolve("tokenizer.json"), tok);

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
        cfg.put("bos_token", KeySortVocab.text(KeySortVocab.BOS));
        cfg.put("eos_token", KeySortVocab.text(KeySortVocab.EOS));
        cfg.put("pad_token", KeySortVocab.text(KeySortVocab.PAD));
        cfg.put("sep_token", KeySortVocab.text(KeySortVocab.SEP));
        cfg.put("add_bos_token", false);
        cfg.put("add_eos_token", false);
        cfg.put("clean_up_tokenization_spaces", false);
        cfg.put("model_max_length", KeySortVocab.CONTEXT);
        writeJson(modelDir.resolve("tokenizer_config.json"), cfg);
    }

    /**
     * {@code generation_config.json}: the specials and the task's sampling defaults (T = 0.7, top-p 1,
     * at most 12 content tokens plus EOS).
     */
    public static void writeGenerationConfig(Path modelDir) throws IOException {
        Files.createDirectories(modelDir);
        ObjectNode gen = JSON.createObjectNode();
        gen.put("bos_token_id", KeySortVocab.BOS);
        gen.put("eos_token_id", KeySortVocab.EOS);
        gen.put("pad_token_id", KeySortVocab.PAD);
        gen.put("do_sample", true);
        gen.put("temperature", 0.7);
        gen.put("top_p", 1.0);
        gen.put("max_new_tokens", KeySortVocab.MAX_RESPONSE_TOKENS + 1);
        writeJson(modelDir.resolve("generation_config.json"), gen);
    }

    private static void writeJson(Path file, Object value) throws IOException {
        AtomicWrite.write(file, (JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void writeJsonl(Path file, List<?> rows) throws IOException {
        AtomicWrite.write(file, tmp -> {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (Object row : rows) {
                    w.write(JSON.writeValueAsString(row));
                    w.write('\n');
                }
            }
        });
    }
}
