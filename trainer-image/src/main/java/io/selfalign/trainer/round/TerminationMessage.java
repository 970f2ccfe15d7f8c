package io.selfalign.trainer.round;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The last thing a round writes: its {@link RoundResult} as one JSON line of at most
 * {@link RoundResult#MAX_TERMINATION_BYTES} bytes (Kubernetes keeps no more), from which the operator
 * reads it; on failure a one-line error instead. Kubernetes copies the file into the pod status.
 */
public final class TerminationMessage {
    /**
     * The metrics kept longest when a result must be shortened to fit. The decision fields (guard, judge and
     * validation accuracy) are typed fields of the result and are never dropped.
     */
    private static final Set<String> CORE_METRICS = Set.of("pairs", "ties", "loss_final", "accuracy", "margin", "flagged_fraction", "steps");

    private static final ObjectMapper SHARD_JSON = new ObjectMapper();

    private TerminationMessage() {}

    /**
     * The result as compact JSON within the size limit: first the message is shortened, then
     * non-core metrics are dropped (the full set stays in result.json); the typed decision fields stay. The file
     * manifest is never included: only the trainer checks it, against result.json.
     */
    public static String compact(RoundResult result) {
        RoundResult r = result.withoutManifest();
        String json = RoundJson.write(r);
        if (fits(json)) return json;
        String message = r.message() == null ? "" : r.message();
        while (!fits(json) && !message.isEmpty()) {
            message = message.substring(0, message.length() / 2);
            r = r.with(message, r.metrics());
            json = RoundJson.write(r);
        }
        Map<String, Double> metrics = new LinkedHashMap<>(r.metrics() == null ? Map.of() : r.metrics());
        List<String> droppable = new ArrayList<>(metrics.keySet().stream()
                .filter(k -> !CORE_METRICS.contains(k) && !RoundResult.DECISION_METRICS.contains(k)).sorted().toList());
        while (!fits(json) && !droppable.isEmpty()) {
            metrics.remove(droppable.remove(droppable.size() - 1));
            r = r.with(r.message(), Map.copyOf(metrics));
            json = RoundJson.write(r);
        }
        if (!fits(json)) throw new IllegalStateException("round result does not fit a termination message even without metrics");
        return json;
    }

    private static boolean fits(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length <= RoundResult.MAX_TERMINATION_BYTES;
    }

    /** Writes the compacted result (no-op when {@code file} is null). */
    public static void writeResult(Path file, RoundResult result) throws IOException {
        if (file != null) Files.writeString(file, compact(result));
    }

    /** Writes a finished shard's summary, one short JSON line (no-op when {@code file} is null). */
    public static void writeShard(Path file, ShardStage.Summary summary) throws IOException {
        if (file != null) Files.writeString(file, shardJson(summary));
    }

    public static String shardJson(ShardStage.Summary summary) {
        try {
            return SHARD_JSON.writeValueAsString(summary);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a one-line error, truncated to the size limit (no-op when {@code file} is null). */
    public static void writeError(Path file, String error) throws IOException {
        if (file == null) return;
        String line = error.replace('\n', ' ');
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > RoundResult.MAX_TERMINATION_BYTES) {
            line = new String(bytes, 0, RoundResult.MAX_TERMINATION_BYTES - 3, StandardCharsets.UTF_8);
            while (line.getBytes(StandardCharsets.UTF_8).length > RoundResult.MAX_TERMINATION_BYTES - 3) line = line.substring(0, line.length() - 1);
            line += "...";
        }
        Files.writeString(file, line);
    }
}
