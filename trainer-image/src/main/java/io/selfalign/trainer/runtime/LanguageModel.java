package io.selfalign.trainer.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.PromptInput;
import io.selfalign.trainer.files.WorkspacePath;
import io.selfalign.trainer.generate.Generator;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.tokenize.ChatTemplate;
import io.selfalign.trainer.tokenize.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A checkpoint directory ready to use: the {@link DecoderModel}, its tokenizer, chat template (if any) and the
 * EOS/pad ids from {@code generation_config.json}, {@code config.json} and the tokenizer, in that order.
 *
 * <pre>{@code
 * try (LanguageModel lm = LanguageModel.load(dir, ComputeDevice.cpu())) {
 *     long[] prompt = lm.encodePrompt(List.of(new ChatTemplate.Message("user", "hi")));
 *     List<long[]> out = lm.generator().generate(List.of(prompt), SamplingParams.greedy(32, 1), 0);
 * }
 * }</pre>
 */
public final class LanguageModel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final DecoderModel model;
    private final TextTokenizer tokenizer;
    private final Optional<ChatTemplate> chatTemplate;
    private final List<Long> eosIds;
    private final long padId;
    private final Set<Long> bannedIds;

    public LanguageModel(DecoderModel model, TextTokenizer tokenizer, Optional<ChatTemplate> chatTemplate,
                         List<Long> eosIds, long padId) {
        this(model, tokenizer, chatTemplate, eosIds, padId, Set.of(padId));
    }

    /** @param bannedIds never sampled (pad, BOS, separator); EOS ids are taken out of it */
    public LanguageModel(DecoderModel model, TextTokenizer tokenizer, Optional<ChatTemplate> chatTemplate,
                         List<Long> eosIds, long padId, Set<Long> bannedIds) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.eosIds = List.copyOf(eosIds);
        this.padId = padId;
        Set<Long> banned = new LinkedHashSet<>(bannedIds);
        banned.removeAll(this.eosIds);
        this.bannedIds = Set.copyOf(banned);
    }

    public static LanguageModel load(Path dir, ComputeDevice device) throws IOException {
        TextTokenizer tokenizer = TextTokenizer.load(dir);
        try {
            return load(dir, device, tokenizer);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static LanguageModel load(Path dir, ComputeDevice device, TextTokenizer tokenizer) throws IOException {
        Optional<ChatTemplate> template = ChatTemplate.load(dir);
        DecoderModel model = Checkpoint.load(dir, device.device(), device.computeType());
        Set<Long> eos = new LinkedHashSet<>();
        // Tokens a response never holds: sampling one gave ids whose decoded text lacked it (pairs.jsonl disagreed with itself).
        Set<Long> banned = new LinkedHashSet<>();
        long pad = -1;
        Path gen = WorkspacePath.check(dir.resolve("generation_config.json"));
        if (Files.exists(gen)) {
            JsonNode g = JSON.readTree(gen.toFile());
            addIds(g.path("eos_token_id"), eos);
            pad = g.path("pad_token_id").asLong(-1);
            addIds(g.path("bos_token_id"), banned);
        }
        model.config().eosTokenIds().forEach(i -> eos.add((long) i));
        if (model.config().bosTokenId() >= 0) banned.add((long) model.config().bosTokenId());
        if (model.config().padTokenId() >= 0) banned.add((long) model.config().padTokenId());
        Path tokConfig = WorkspacePath.check(dir.resolve("tokenizer_config.json"));
        if (Files.exists(tokConfig)) {
            JsonNode config = JSON.readTree(tokConfig.toFile());
            if (eos.isEmpty()) addToken(tokenizer, config.path("eos_token"), eos);
            for (String special : List.of("bos_token", "pad_token", "sep_token")) addToken(tokenizer, config.path(special), banned);
        }
        if (pad < 0) {
            pad = model.config().padTokenId() >= 0 ? model.config().padTokenId() : eos.stream().findFirst().orElse(0L);
        }
        banned.add(pad);
        return new LanguageModel(model, tokenizer, template, List.copyOf(eos), pad, banned);
    }

    /** The id of a tokenizer_config token entry (a string or {"content": …}), when the vocabulary has it. */
    private static void addToken(TextTokenizer tokenizer, JsonNode token, Set<Long> into) {
        if (token.isMissingNode() || token.isNull()) return;
        long id = tokenizer.tokenId(token.isTextual() ? token.asText() : token.path("content").asText(""));
        if (id >= 0) into.add(id);
    }

    private static void addIds(JsonNode node, Set<Long> into) {
        if (node.isArray()) {
            node.forEach(n -> into.add(n.asLong()));
        } else if (node.isNumber()) {
            into.add(node.asLong());
        }
    }

    public DecoderModel model() {
        return model;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public Optional<ChatTemplate> chatTemplate() {
        return chatTemplate;
    }

    public List<Long> eosIds() {
        return eosIds;
    }

    public long padId() {
        return padId;
    }

    /** Token ids the generator never samples: pad, BOS and separator ids that are not EOS. */
    public Set<Long> bannedIds() {
        return bannedIds;
    }

    public Generator generator() {
        return new Generator(model, padId, eosIds, bannedIds);
    }

    /**
     * The text of generated tokens: without a final EOS, other special tokens kept, so that the text encodes back to
     * the ids (skipping them made pairs.jsonl's text and ids disagree).
     */
    public String responseText(long[] tokens) {
        boolean eos = tokens.length > 0 && eosIds.contains(tokens[tokens.length - 1]);
        return tokenizer.decode(eos ? Arrays.copyOf(tokens, tokens.length - 1) : tokens, false);
    }

    /** A plain prompt, tokenized as transformers' {@code tokenizer(prompt)} does (special tokens added). */
    public long[] encodePrompt(String prompt) {
        return tokenizer.encode(prompt, true);
    }

    /** A conversation through the chat template, ending with the assistant's turn header. */
    public long[] encodePrompt(List<ChatTemplate.Message> messages) {
        ChatTemplate t = chatTemplate.orElseThrow(() -> new IllegalArgumentException(
                "the model has no chat template (chat_template.jinja or tokenizer_config.json), so 'messages' cannot be used"));
        return tokenizer.encode(t.render(messages, true), false);
    }

    /** A prompt as the data gives it: text through the tokenizer, messages through the chat template; never empty. */
    public long[] encodePrompt(PromptInput prompt) {
        long[] ids = prompt.isChat() ? encodePrompt(prompt.messages()) : encodePrompt(prompt.text());
        if (ids.length == 0) throw new IllegalArgumentException("the prompt encodes to no tokens");
        return ids;
    }

    /** A response's tokens followed by EOS, whose log-prob is part of the response's score (docs/algorithm.md §0). */
    public long[] encodeResponse(String text) {
        if (eosIds.isEmpty()) {
            throw new InputException(model.sourceDir() + ": the model defines no EOS token id "
                    + "(generation_config.json, config.json or tokenizer_config.json)");
        }
        long[] ids = tokenizer.encode(text, false);
        long[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eosIds.get(0);
        return out;
    }

    /** Saves the weights (same names/dtypes as loaded) with tokenizer and template files beside them. */
    public void save(Path dir) throws IOException {
        Checkpoint.save(model, dir);
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
