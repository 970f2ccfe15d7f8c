package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.trainer.data.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec paths map into the local workspace; a symbolic link inside it that leads out of it is refused. */
class RoundPathsTest {
    @TempDir
    Path tmp;

    @Test
    void aSymlinkLeadingOutOfTheWorkspaceIsRefusedNamingThePath() throws IOException {
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.jsonl"), "{\"prompt\": \"x\"}\n");
        Files.createDirectories(ws.resolve("data"));
        Files.createSymbolicLink(ws.resolve("data/prompts.jsonl"), outside.resolve("secret.jsonl"));
        Files.createSymbolicLink(ws.resolve("runs"), outside);
        RoundPaths paths = new RoundPaths("/workspace", ws);

        InputException file = assertThrows(InputException.class, () -> paths.local("/workspace/data/prompts.jsonl"));
        assertTrue(file.getMessage().startsWith("/workspace/data/prompts.jsonl: leads out of the workspace through a symbolic link"), file.getMessage());
        // An output that does not exist yet is judged by the directory it would be created in.
        InputException output = assertThrows(InputException.class, () -> paths.local("/workspace/runs/team/demo/iter-0"));
        assertTrue(output.getMessage().contains("is really " + outside.toRealPath()), output.getMessage());
    }

    @Test
    void pathsAndSymlinksInsideTheWorkspaceAreUsed() throws IOException {
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        Files.createDirectories(ws.resolve("data/v2"));
        Files.createSymbolicLink(ws.resolve("data/current"), ws.resolve("data/v2"));
        RoundPaths paths = new RoundPaths("/workspace", ws);
        assertEquals(ws.resolve("data/current/prompts.jsonl"), paths.local("/workspace/data/current/prompts.jsonl"));
        assertEquals(ws.resolve("runs/team/demo/iter-0"), paths.local("/workspace/runs/team/demo/iter-0"));
    }

    @Test
    void aDanglingSymlinkIsRefused() throws IOException {
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        Files.createSymbolicLink(ws.resolve("models"), tmp.resolve("gone"));
        InputException e = assertThrows(InputException.class, () -> new RoundPaths("/workspace", ws).local("/workspace/models/base"));
        assertTrue(e.getMessage().startsWith("/workspace/models/base: "), e.getMessage());
        assertTrue(e.getMessage().contains("symbolic link to nothing"), e.getMessage());
    }
}
