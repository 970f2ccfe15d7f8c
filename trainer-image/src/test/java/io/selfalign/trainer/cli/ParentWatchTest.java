package io.selfalign.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.trainer.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code round --exit-with-parent}: a trainer whose parent is killed (as local mode by kill -9) ends too. */
class ParentWatchTest {
    @TempDir
    Path tmp;

    @Test
    void aTrainerWhoseParentIsKilledExits() throws Exception {
        // The spec is a FIFO nobody writes to: the trainer blocks opening it, as a trainer busy with a long round would.
        Path spec = tmp.resolve("round.json");
        assertTrue(new ProcessBuilder("mkfifo", spec.toString()).start().waitFor() == 0);
        List<String> trainer = new ArrayList<>(ChildJvm.command(TrainerMain.class, "round", "--spec", spec.toString(), "--exit-with-parent"));
        // The parent: a shell that starts the trainer, prints its pid and waits for it.
        List<String> parent = new ArrayList<>(List.of("sh", "-c", "\"$@\" 2>&1 & echo $!; wait", "sh"));
        parent.addAll(trainer);
        Process shell = new ProcessBuilder(parent).redirectErrorStream(true).start();
        ProcessHandle child = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
            long pid = Long.parseLong(out.readLine().trim());
            child = ProcessHandle.of(pid).orElseThrow();
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.contains("--exit-with-parent"));
            assertTrue(line != null && line.contains("pid " + shell.pid()), "the trainer watches its parent shell: " + line);

            shell.destroyForcibly().waitFor(); // SIGKILL: the shell cannot pass anything on to the trainer
            ProcessHandle ended = child.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).get();
            assertTrue(ended != null, "the trainer should exit within 20 s of its parent");
        } finally {
            if (child != null) child.destroyForcibly();
            shell.destroyForcibly();
        }
    }
}
