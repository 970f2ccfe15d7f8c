package io.selfalign.trainer.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.selfalign.trainer.files.WorkspacePath;
import io.selfalign.trainer.model.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face chat template rendered with Jinjava, configured like transformers' Jinja environment
 * (trim_blocks, lstrip_blocks, {@code raise_exception}). Read from {@code chat_template.jinja} or
 * {@code tokenizer_config.json}'s {@code chat_template} (a string, or a list whose "default" entry is used).
 */
public final class ChatTemplate {
    /** One chat turn. */
    public record Message(String role, String content) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Jinjava reports only "Error invoking function": keep the template's own message to report it. */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();
    private final String template;
    private final String source;
    private final Map<String, Object> specialTokens;
    private final Jinjava jinjava;

    public ChatTemplate(String template, String source, Map<String, Object> specialTokens) {
        this.template = template;
        this.source = source;
        this.specialTokens = Map.copyOf(specialTokens);
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", String.class));
    }

    /** The checkpoint's chat template, if it has one. */
    public static Optional<ChatTemplate> load(Path dir) throws IOException {
        Path configFile = WorkspacePath.check(dir.resolve("tokenizer_config.json"));
        JsonNode config = Files.exists(configFile) ? JSON.readTree(configFile.toFile()) : JSON.createObjectNode();
        Map<String, Object> tokens = new HashMap<>();
        for (String name : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
            JsonNode t = config.path(name);
            String value = t.isTextual() ? t.asText() : t.path("content").asText("");
            tokens.put(name, value);
        }
        Path jinja = WorkspacePath.check(dir.resolve("chat_template.jinja"));
        if (Files.exists(jinja)) {
            return Optional.of(new ChatTemplate(Files.readString(jinja), jinja.toString(), tokens));
        }
        JsonNode t = config.path("chat_template");
        if (t.isTextual()) {
            return Optional.of(new ChatTemplate(t.asText(), configFile.toString(), tokens));
        }
        if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) {
                    return Optional.of(new ChatTemplate(named.path("template").asText(), configFile.toString(), tokens));
                }
            }
        }
        return Optional.empty();
    }

    /** Renders the conversation, ending with the assistant's turn header when {@code addGenerationPrompt}. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        Map<String, Object> bindings = new HashMap<>(specialTokens);
        bindings.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        bindings.put("add_generation_prompt", addGenerationPrompt);
        RAISED.remove();
        RenderResult result = jinjava.renderForResult(template, bindings);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String raised = RAISED.get();
                throw new IllegalArgumentException(source + ": chat template failed at line " + e.getLineno() + ": "
                        + (raised != null ? raised : e.getMessage()));
            }
        }
        return result.getOutput();
    }

    /** Called by templates to reject a conversation they cannot render. */
    public static String raiseException(String message) {
        RAISED.set(message);
        throw new IllegalArgumentException(message);
    }
}
