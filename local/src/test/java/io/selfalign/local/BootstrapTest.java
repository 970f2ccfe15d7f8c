package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A missing model used to make local mode rerun {@code keysort prepare} over the workspace, and a user's
 * 10-line seed.jsonl came back with 64 lines. The preparer here is a script writing what keysort prepare writes.
 */
class BootstrapTest {
    /** $1 = the folder to prepare: the KeySort data (a 64-line seed file) and the SFT model. */
    static final String FAKE_PREPARE = """
            mkdir -p "$1/data/keysort" "$1/models/keysort-sft"
            for i in $(seq 64); do echo '{"prompt":"p","chosen":"a","rejected":"b"}'; done > "$1/data/keysort/seed.jsonl"
            echo '{"prompt":"p"}' > "$1/data/keysort/prompts.jsonl"
            echo '{}' > "$1/models/keysort-sft/config.json"
            """;

    @TempDir
    Path dir;

    final ByteArrayOutputStream said = new ByteArrayOutputStream();
    final Bootstrap bootstrap = new Bootstrap(target -> List.of("bash", "-c", FAKE_PREPARE, "prepare", target.toString()),
            new PrintStream(said, true, StandardCharsets.UTF_8));

    @Test
    void aMissingModelIsPreparedWithoutTouchingTheUsersFiles() throws Exception {
        Path ws = dir.resolve("ws");
        Path seed = Files.createDirectories(ws.resolve("data/keysort")).resolve("seed.jsonl");
        String mine = "{\"prompt\":\"mine\",\"chosen\":\"x\",\"rejected\":\"y\"}\n".repeat(10);
        Files.writeString(seed, mine);

        bootstrap.ensureModel(ws, "models/keysort-sft", dir.resolve("staging"));

        assertEquals(mine, Files.readString(seed), "the user's seed file stays as it was");
        assertTrue(Files.isRegularFile(ws.resolve("models/keysort-sft/config.json")));
        assertTrue(Files.isRegularFile(ws.resolve("data/keysort/prompts.jsonl")), "missing files are created");
        assertTrue(Files.notExists(dir.resolve("staging")), "the staging folder is removed");
        assertTrue(said.toString(StandardCharsets.UTF_8).contains("kept the workspace's own data/keysort/seed.jsonl"), said.toString());
    }

    @Test
    void anExistingModelPreparesNothing() throws Exception {
        Path ws = dir.resolve("ws");
        Files.createDirectories(ws.resolve("models/keysort-sft"));
        new Bootstrap(target -> List.of("false"), new PrintStream(said, true, StandardCharsets.UTF_8))
                .ensureModel(ws, "models/keysort-sft", dir.resolve("staging"));
        assertEquals("", said.toString(StandardCharsets.UTF_8));
        assertTrue(Files.notExists(ws.resolve("data")));
    }

    @Test
    void aModelPathTheBootstrapDoesNotCreateIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bootstrap.ensureModel(dir.resolve("ws"), "models/keysort-stf", dir.resolve("staging")));
        assertTrue(e.getMessage().startsWith("spec.model.path: models/keysort-stf is missing"), e.getMessage());
    }
}
