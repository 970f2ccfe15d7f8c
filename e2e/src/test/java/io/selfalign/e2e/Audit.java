package io.selfalign.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/** The API server's audit log (level Metadata): who called what, and what the server answered. */
final class Audit {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Audit() {}

    /** Every completed request of {@code user}. */
    static List<JsonNode> requestsOf(Cluster cluster, String user) {
        try (var lines = Files.lines(cluster.auditLog)) {
            return lines.map(Audit::parse).filter(e -> "ResponseComplete".equals(e.path("stage").asText())
                    && user.equals(e.path("user").path("username").asText())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int code(JsonNode event) {
        return event.path("responseStatus").path("code").asInt();
    }

    /** "verb resource/subresource namespace/name", for messages. */
    static String describe(JsonNode e) {
        JsonNode o = e.path("objectRef");
        return e.path("verb").asText() + " " + o.path("resource").asText()
                + (o.has("subresource") ? "/" + o.path("subresource").asText() : "") + " "
                + o.path("namespace").asText("") + "/" + o.path("name").asText("") + " -> " + code(e);
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
