package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.ChildJvm;
import io.selfalign.trainer.cli.TrainerMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (Kubernetes deleting the pod) while the trainer trains: it stops at the end of the current step and exits
 * with 143, with no JVM crash file (libtorch's exit handlers used to run while a backward pass was still inside them).
 */
class StopOnSigtermTest {
    @TempDir
    Path tmp;

    @Test
    void aBootstrapSftStoppedBySigtermExits143WithoutACrash() throws Exception {
        Path ws = tmp.resolve("ws");
        String log = stopWhile(List.of("keysort", "prepare", "--quick", "--workspace", ws.toString()), "keysort: SFT of a");
        assertTrue(log.contains("prepare: stopped by a signal during SFT step"), log);
        assertFalse(Files.exists(ws.resolve("models/keysort-sft")), "no model from a stopped SFT");
    }

    @Test
    void aRoundStoppedBySigtermExits143AndKeepsNoStagingDirectory() throws Exception {
        Path root = tmp.resolve("root");
        RoundFixture.populate(root);
        // Enough epochs that the seed round is still training when the signal comes.
        RoundSpec spec = RoundFixture.spec(0, Loss.DPO, 0, run -> run.training.seedEpochs = 100_000);
        Path specFile = Files.writeString(tmp.resolve("round.json"), RoundJson.write(spec));
        String log = stopWhile(List.of("round", "--spec", specFile.toString(), "--workspace-root", root.toString(),
                "--termination-log", tmp.resolve("termination.txt").toString()), "round: iteration 0 (seed stage)");
        assertTrue(log.contains("round: stopped by a signal during training step"), log);
        Path runs = root.resolve("runs/team/demo");
        assertFalse(Files.exists(runs.resolve("iter-0")) || Files.exists(runs.resolve(".iter-0.partial")), "nothing of the stopped round is kept");
        assertTrue(Files.readString(tmp.resolve("termination.txt")).contains("stopped by a signal"));
    }

    /** Runs the trainer in {@code tmp}, sends SIGTERM a second after {@code started} appears on stderr; returns stderr. */
    private String stopWhile(List<String> args, String started) throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));
        Process p = new ProcessBuilder(ChildJvm.command(TrainerMain.class, args.toArray(String[]::new)))
                .directory(cwd.toFile()).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null && !line.contains(started)) out.append(line).append('\n');
            assertTrue(line != null, "the trainer should start training: " + out);
            Thread.sleep(1000); // well inside the first steps (forward and backward passes)
            long sent = System.nanoTime();
            p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
            while ((line = r.readLine()) != null) out.append(line).append('\n');
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the trainer should exit: " + out);
            double seconds = (System.nanoTime() - sent) / 1e9;
            assertEquals(143, p.exitValue(), out.toString());
            // Kubernetes kills the pod after terminationGracePeriodSeconds (30 s by default); a loaded machine needs slack under it.
            assertTrue(seconds < 30, "stopped within the default grace period of 30 s, took " + seconds + " s");
            assertTrue(out.toString().contains("trainer: stop requested (SIGTERM or SIGINT)"), out.toString());
            try (Stream<Path> files = Files.list(cwd)) {
                assertEquals(List.of(), files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("hs_err")).toList(), out.toString());
            }
            return out.toString();
        } finally {
            p.destroyForcibly();
        }
    }
}
