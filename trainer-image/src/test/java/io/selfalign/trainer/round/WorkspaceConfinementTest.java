package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.Loss;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.files.AtomicWrite;
import io.selfalign.trainer.files.WorkspacePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files a round opens under its workspace (lock, outputs, the model files it reads) are checked on their real path:
 * a symbolic link that leads out of the workspace is refused, naming the path, and nothing outside is touched.
 */
class WorkspaceConfinementTest {
    @TempDir
    Path tmp;

    @Test
    void whileConfinedALinkOutOfTheWorkspaceIsRefusedAndOneInsideIsFollowed() throws IOException {
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(ws.resolve("out"), outside);
        Files.createDirectories(ws.resolve("real"));
        Files.createSymbolicLink(ws.resolve("in"), ws.resolve("real"));
        Files.createSymbolicLink(ws.resolve("dangling"), tmp.resolve("nothing"));
        try (WorkspacePath.Scope confined = WorkspacePath.confine(ws)) {
            InputException e = assertThrows(InputException.class, () -> AtomicWrite.write(ws.resolve("out/result.json"), new byte[] {1}));
            assertTrue(e.getMessage().startsWith(ws.resolve("out/result.json") + ": leads out of the workspace through a symbolic link ("
                    + ws.resolve("out") + " is really " + outside.toRealPath() + ")"), e.getMessage());
            assertTrue(assertThrows(InputException.class, () -> WorkspacePath.check(ws.resolve("dangling")))
                    .getMessage().contains("is a symbolic link to nothing"));
            AtomicWrite.write(ws.resolve("in/result.json"), new byte[] {1});
            assertTrue(Files.exists(ws.resolve("real/result.json")));
        }
        assertEquals(0, Files.list(outside).count(), "nothing written outside");
        // Outside a round (generate --out, keysort prepare) the trainer writes where it is told.
        AtomicWrite.write(ws.resolve("out/result.json"), new byte[] {1});
        assertTrue(Files.exists(outside.resolve("result.json")));
    }

    @Test
    void aRoundRefusesALockFileAndModelFilesThatLeadOutOfTheWorkspace() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        RoundFixture.populate(root);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        var spec = RoundFixture.spec(0, Loss.DPO, 0);

        // The lock file: opening it for writing would follow the link.
        Path victim = Files.writeString(elsewhere.resolve("victim.txt"), "keep me");
        Path lock = Files.createDirectories(root.resolve("runs/team/demo")).resolve(".iter-0.lock");
        Files.createSymbolicLink(lock, victim);
        assertTrue(failure(spec, root).startsWith(lock + ": leads out of the workspace through a symbolic link"));
        assertEquals("keep me", Files.readString(victim));
        Files.delete(lock);

        // Model files read from a model directory inside the workspace.
        Path base = root.resolve("models/base");
        for (String name : new String[] {"model.safetensors", "config.json", "tokenizer.json"}) {
            Path file = base.resolve(name);
            Path moved = Files.move(file, elsewhere.resolve(name));
            Files.createSymbolicLink(file, moved);
            String message = failure(spec, root);
            assertTrue(message.contains(file + ": leads out of the workspace through a symbolic link"), message);
            Files.delete(file);
            Files.move(moved, file);
        }
        assertFalse(Files.exists(root.resolve("runs/team/demo/iter-0")));
        // Everything back in place: the round runs.
        new RoundRunner().run(spec, root);
        assertTrue(Files.exists(root.resolve("runs/team/demo/iter-0/result.json")));
    }

    private static String failure(io.selfalign.api.round.RoundSpec spec, Path root) {
        return assertThrows(InputException.class, () -> new RoundRunner().run(spec, root)).getMessage();
    }
}
