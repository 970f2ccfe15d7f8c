package io.selfalign.trainer.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.files.AtomicWrite;
import io.selfalign.trainer.tokenize.ChatTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Lines in and out. Input errors name the file and line; blank lines are skipped and do not count as
 * rows; every other line must be one JSON object. Output is written atomically.
 */
public final class Jsonl {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Parses one row; throws {@link IllegalArgumentException} with a message about the row's content. */
    @FunctionalInterface
    public interface RowParser<T> {
        T parse(JsonNode row, long rowIndex, long line);
    }

    private Jsonl() {}

    /** Every row of the file. */
    public static <T> List<T> readAll(Path file, RowParser<T> parser) {
        return read(file, 0, Long.MAX_VALUE, parser);
    }

    /**
     * The rows [offset, offset + count) of the file (0-based, blank lines not counted). Rows outside the
     * slice are not parsed.
     */
    public static <T> List<T> read(Path file, long offset, long count, RowParser<T> parser) {
        List<T> out = new ArrayList<>();
        long row = 0;
        long end = count == Long.MAX_VALUE ? Long.MAX_VALUE : offset + count;
        try (Utf8Lines lines = new Utf8Lines(file)) {
            String text;
            while (row < end && (text = lines.next()) != null) {
                if (text.isBlank()) continue;
                if (row >= offset) {
                    long line = lines.line();
                    long index = row;
                    JsonNode node = parseObject(file, line, text);
                    out.add(InputException.at(file, line, () -> parser.parse(node, index, line)));
                }
                row++;
            }
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": file not found");
        } catch (IOException e) {
            throw new InputException(file + ": cannot be read: " + e.getMessage(), e);
        }
        return out;
    }

    /** The number of non-blank lines. */
    public static long countRows(Path file) {
        long rows = 0;
        try (Utf8Lines lines = new Utf8Lines(file)) {
            String text;
            while ((text = lines.next()) != null) {
                if (!text.isBlank()) rows++;
            }
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": file not found");
        } catch (IOException e) {
            throw new InputException(file + ": cannot be read: " + e.getMessage(), e);
        }
        return rows;
    }

    private static JsonNode parseObject(Path file, long line, String text) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw InputException.at(file, line, "malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw InputException.at(file, line, "expected a JSON object");
        }
        return node;
    }

    /** Writes the rows, one JSON object a line, atomically ({@link AtomicWrite}). */
    public static void write(Path file, List<? extends JsonNode> rows) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder();
        for (JsonNode r : rows) {
            sb.append(MAPPER.writeValueAsString(r)).append('\n');
        }
        AtomicWrite.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A required non-empty string field. */
    public static String requireString(JsonNode row, String field) {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("missing field '" + field + "'");
        if (!v.isTextual()) throw new IllegalArgumentException("field '" + field + "' must be a string");
        if (v.asText().isEmpty()) throw new IllegalArgumentException("field '" + field + "' is empty");
        return v.asText();
    }

    /** The prompt of a row: {@code "prompt": str} or {@code "messages": [{"role", "content"}, …]}, not both. */
    public static PromptInput requirePrompt(JsonNode row) {
        boolean hasPrompt = row.hasNonNull("prompt");
        boolean hasMessages = row.hasNonNull("messages");
        if (hasPrompt && hasMessages) throw new IllegalArgumentException("give either 'prompt' or 'messages', not both");
        if (hasPrompt) return PromptInput.text(requireString(row, "prompt"));
        if (!hasMessages) throw new IllegalArgumentException("missing field 'prompt' (or 'messages')");
        JsonNode messages = row.get("messages");
        if (!messages.isArray() || messages.isEmpty()) throw new IllegalArgumentException("field 'messages' must be a non-empty array");
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject()) throw new IllegalArgumentException("messages[" + i + "] must be an object");
            try {
                JsonNode content = m.get("content");
                if (content == null || !content.isTextual()) throw new IllegalArgumentException("missing field 'content'");
                out.add(new ChatTemplate.Message(requireString(m, "role"), content.asText()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("messages[" + i + "]: " + e.getMessage());
            }
        }
        return PromptInput.chat(out);
    }
}
