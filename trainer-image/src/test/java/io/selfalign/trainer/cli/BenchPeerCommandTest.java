package io.selfalign.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * bench peer counts the tokens of the work it was given (what bench/peer's ratios divide by) and computes what the
 * commands that do that work compute: its scores are the score command's.
 */
class BenchPeerCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    private Path model;
    private Path pairs;

    @BeforeEach
    void checkpoint() {
        model = tmp.resolve("m");
        pairs = tmp.resolve("pairs.jsonl");
        assertEquals(0, run(new StringWriter(), "bench", "checkpoint", "--size", "3M", "--vocab", "300", "--dir", model.toString(),
                "--pairs", pairs.toString(), "--rows", "4", "--prompt-tokens", "5", "--response-tokens", "7"));
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cmd = TrainerMain.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    /** The one JSON line bench peer prints on stdout. */
    private static JsonNode peer(String... args) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            code = run(err, args);
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, code, err.toString());
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    @Test
    void scoreSumsWhatTheScoreCommandWrites() throws Exception {
        JsonNode cell = peer("bench", "peer", "score", "--model", model.toString(), "--data", pairs.toString(), "--batch-size", "3",
                "--repeats", "1");
        assertEquals(4 * (5 + 7), cell.get("tokens").asLong()); // 6 words + EOS a response
        Path out = tmp.resolve("scores.jsonl");
        assertEquals(0, run(new StringWriter(), "score", "--model", model.toString(), "--pairs", pairs.toString(), "--out", out.toString(),
                "--batch-size", "3"));
        double want = 0;
        for (String row : Files.readAllLines(out)) want += JSON.readTree(row).get("logp").asDouble();
        // The same batches through the same code: equal up to the order of four double additions.
        assertEquals(want, cell.get("logp_total").asDouble(), 1e-9 * Math.abs(want));
        assertTrue(cell.get("tokens_per_s").asDouble() > 0 && cell.get("cpu_seconds").asDouble() > 0, cell.toString());
        assertTrue(cell.get("peak_rss_mib").asLong() > 0, cell.toString());
    }

    @Test
    void generateCountsEveryNewToken() throws Exception {
        JsonNode cell = peer("bench", "peer", "generate", "--model", model.toString(), "--data", pairs.toString(), "--batch-size", "2",
                "--new-tokens", "3", "--repeats", "1");
        assertEquals(4 * 3, cell.get("tokens").asLong()); // EOS ignored: every row gets all its new tokens
    }

    @Test
    void dpoTimesAStepOfTheGivenPairs() throws Exception {
        Path dpo = tmp.resolve("dpo.jsonl");
        List<String> rows = Files.readAllLines(pairs).stream().map(line -> {
            try {
                JsonNode r = JSON.readTree(line);
                return JSON.writeValueAsString(JSON.createObjectNode().put("prompt", r.get("prompt").asText())
                        .put("chosen", r.get("response").asText()).put("rejected", "w7 w8"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        Files.write(dpo, rows);
        JsonNode cell = peer("bench", "peer", "dpo", "--model", model.toString(), "--data", dpo.toString(), "--batch-size", "2",
                "--micro-batch", "1", "--epochs", "1");
        assertEquals(2, cell.get("steps").asInt());
        // A step: two pairs of prompt + chosen and prompt + rejected, EOS after each answer.
        assertEquals(2 * ((5 + 7) + (5 + 3)), cell.get("tokens").asLong());
    }

    @Test
    void badInputIsNamed() {
        StringWriter err = new StringWriter();
        assertEquals(78, run(err, "bench", "peer", "train", "--model", model.toString(), "--data", pairs.toString()));
        assertTrue(err.toString().contains("TASK: generate, score, dpo or round, got 'train'"), err.toString());
        err = new StringWriter();
        assertEquals(78, run(err, "bench", "peer", "dpo", "--model", model.toString(), "--data", pairs.toString()));
        assertTrue(err.toString().contains("row 1: needs the string field 'chosen'"), err.toString());
    }
}
