package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TerminationMessageTest {
    @TempDir
    Path dir;

    @Test
    void aSmallResultIsWrittenAsIs() throws IOException {
        RoundResult r = new RoundResult(1, 2, "h", "/workspace/x/model", 1.5, Map.of("pairs", 3.0), "ok");
        Path f = dir.resolve("t");
        TerminationMessage.writeResult(f, r);
        assertEquals(r, RoundJson.readResult(Files.readString(f)));
    }

    @Test
    void anOversizedResultDropsMessageThenNonCoreMetricsToFitFourKib() throws Exception {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("pairs", 800.0);
        metrics.put("loss_final", 0.5);
        for (int i = 0; i < 200; i++) metrics.put("extra_metric_with_a_long_name_" + i, (double) i);
        RoundResult big = new RoundResult(1, 1, "h", "/workspace/x/model", 1.5, metrics, "m".repeat(5000));
        String json = TerminationMessage.compact(big);
        assertTrue(json.getBytes(StandardCharsets.UTF_8).length <= RoundResult.MAX_TERMINATION_BYTES);
        RoundResult back = RoundJson.readResult(json);
        assertEquals(800.0, back.metrics().get("pairs"));
        assertEquals(0.5, back.metrics().get("loss_final"));
        assertEquals("h", back.specHash());
    }

    @Test
    void anOversizedGuardStoppedResultIsStillReadAsGuardStoppedWithItsAccuracies() throws Exception {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("pairs", 800.0);
        // Names that sort after the decision metrics' and before them: whichever end compaction drops from.
        for (int i = 0; i < 200; i++) metrics.put("a_metric_" + i, (double) i);
        for (int i = 0; i < 200; i++) metrics.put("z_metric_" + i, (double) i);
        RoundResult stopped = new RoundResult(1, 2, "h", null, 1.5, true, 0.41, null, metrics, "m".repeat(5000), null);
        String json = TerminationMessage.compact(stopped);
        assertTrue(json.getBytes(StandardCharsets.UTF_8).length <= RoundResult.MAX_TERMINATION_BYTES);
        RoundResult back = RoundJson.readResult(json);
        assertTrue(back.guardStopped());
        assertEquals(0.41, back.judgeAccuracy());
        assertNull(back.validationAccuracy());
        assertEquals(Map.of("guard_stopped", 1.0, "judge_accuracy", 0.41),
                Map.of("guard_stopped", back.metrics().get("guard_stopped"), "judge_accuracy", back.metrics().get("judge_accuracy")),
                "and the status shows them as before");

        RoundResult trained = new RoundResult(1, 2, "h", "/workspace/x/model", 1.5, false, 0.71, 0.74, metrics, "m".repeat(5000), null);
        RoundResult trainedBack = RoundJson.readResult(TerminationMessage.compact(trained));
        assertEquals(0.71, trainedBack.judgeAccuracy());
        assertEquals(0.74, trainedBack.validationAccuracy());
    }

    @Test
    void theFileManifestStaysInResultJsonOnly() throws IOException {
        List<RoundResult.FileDigest> manifest = IntStream.range(0, 100)
                .mapToObj(i -> new RoundResult.FileDigest("model/model-%05d-of-00100.safetensors".formatted(i), 1L << 30, "ab".repeat(32))).toList();
        RoundResult r = new RoundResult(1, 2, "h", "/workspace/x/model", 1.5, false, null, null, Map.of("pairs", 3.0), "ok", manifest);
        String json = TerminationMessage.compact(r);
        assertEquals(r.withoutManifest(), RoundJson.readResult(json), "nothing but the manifest is dropped");
        assertEquals(manifest, RoundJson.readResult(RoundJson.write(r)).manifest(), "result.json keeps it");
    }

    @Test
    void anErrorIsOneLineWithinTheLimit() throws IOException {
        Path f = dir.resolve("t");
        TerminationMessage.writeError(f, "line one\nline two " + "é".repeat(5000));
        String s = Files.readString(f);
        assertTrue(s.startsWith("line one line two"));
        assertTrue(s.getBytes(StandardCharsets.UTF_8).length <= RoundResult.MAX_TERMINATION_BYTES);
        assertTrue(s.endsWith("..."));
    }
}
