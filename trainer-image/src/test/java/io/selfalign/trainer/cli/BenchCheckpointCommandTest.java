package io.selfalign.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** bench checkpoint writes a checkpoint and rows that score scores with exactly the token counts asked for. */
class BenchCheckpointCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    private int run(StringWriter err, String... args) {
        CommandLine cmd = TrainerMain.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void scoreReadsWhatItWrote() throws Exception {
        StringWriter err = new StringWriter();
        Path model = tmp.resolve("m");
        Path pairs = tmp.resolve("pairs.jsonl");
        assertEquals(0, run(err, "bench", "checkpoint", "--size", "3M", "--vocab", "300", "--dir", model.toString(),
                "--pairs", pairs.toString(), "--rows", "3", "--prompt-tokens", "5", "--response-tokens", "7"), err.toString());
        JsonNode config = JSON.readTree(model.resolve("config.json").toFile());
        assertEquals(300, config.get("vocab_size").asInt());
        assertEquals(256, config.get("hidden_size").asInt());
        Path out = tmp.resolve("scores.jsonl");
        assertEquals(0, run(err, "score", "--model", model.toString(), "--pairs", pairs.toString(), "--out", out.toString()),
                err.toString());
        List<String> rows = Files.readAllLines(out);
        assertEquals(3, rows.size());
        for (String row : rows) {
            JsonNode r = JSON.readTree(row);
            assertEquals(7, r.get("tokens").asInt(), row); // 6 words + EOS
            assertTrue(r.get("logp").asDouble() < 0, row);
        }
    }

    @Test
    void aRowLongerThanTheContextIsRefused() {
        StringWriter err = new StringWriter();
        assertEquals(78, run(err, "bench", "checkpoint", "--size", "3M", "--vocab", "300", "--dir", tmp.resolve("m").toString(),
                "--prompt-tokens", "200", "--response-tokens", "100"));
        assertTrue(err.toString().contains("context of 256"), err.toString());
    }
}
