package io.selfalign.trainer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.data.InputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** JSON Lines in and out: rows keep their line numbers for error messages; output is written then renamed. */
final class JsonlFile {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One non-blank line, parsed, with where it came from. */
    record Row(Path file, int line, JsonNode json) {
        InputException error(String message) {
            return InputException.at(file, line, message);
        }

        String text(String field) {
            JsonNode n = json.get(field);
            if (n == null || !n.isTextual()) {
                throw error("field '" + field + "' must be a string");
            }
            return n.asText();
        }
    }

    private JsonlFile() {
    }

    static List<Row> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InputException(file + ": no such file");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read: " + e.getMessage());
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                JsonNode json = JSON.readTree(line);
                if (!json.isObject()) {
                    throw InputException.at(file, i + 1, "expected a JSON object");
                }
                rows.add(new Row(file, i + 1, json));
            } catch (JsonProcessingException e) {
                throw InputException.at(file, i + 1, "malformed JSON: " + e.getOriginalMessage());
            }
        }
        if (rows.isEmpty()) {
            throw new InputException(file + ": no rows");
        }
        return rows;
    }

    /** Writes all rows to a temporary file beside {@code out}, then renames it: readers never see half a file. */
    static void write(Path out, List<? extends JsonNode> rows) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, out.getFileName().toString(), ".tmp");
        try {
            StringBuilder sb = new StringBuilder();
            for (JsonNode r : rows) {
                sb.append(JSON.writeValueAsString(r)).append('\n');
            }
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
