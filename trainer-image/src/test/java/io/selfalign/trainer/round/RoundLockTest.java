package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.ChildJvm;
import io.selfalign.trainer.cli.TrainerMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two trainers for one round (a local mode left running, two pods of one Job): the second must not touch
 * the first's staging directory, and the lock must not outlive a killed holder.
 */
class RoundLockTest {
    @TempDir
    Path root;

    private Path local(String specPath) {
        return root.resolve(Path.of(RoundFixture.WS).relativize(Path.of(specPath)).toString());
    }

    /** Starts a holder of round 0's lock in another process and waits until it holds the lock. */
    private Process holdRound0() throws IOException {
        Process holder = new ProcessBuilder(ChildJvm.command(HoldRoundLock.class, local(RoundFixture.iterDir(0)).toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertEquals("held", line, "the holder process should take the lock");
        return holder;
    }

    @Test
    void aSecondTrainerOnAHeldRoundFailsFastNamingTheLockAndLeavesTheFirstsOutputIntact() throws Exception {
        RoundFixture.populate(root);
        Process holder = holdRound0();
        try {
            RoundSpec spec = RoundFixture.spec(0, Loss.DPO, 0);
            Path lock = local(RoundFixture.iterDir(0)).resolveSibling(".iter-0.lock");
            String expected = "another trainer holds round 0 of team/demo (lock " + lock + ")";

            long start = System.nanoTime();
            RoundBusyException e = assertThrows(RoundBusyException.class, () -> new RoundRunner().run(spec, root));
            assertTrue(e.getMessage().startsWith(expected), e.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "refused before any model is loaded");

            Path specFile = Files.writeString(root.resolve("round.json"), RoundJson.write(spec));
            Path termination = root.resolve("termination-log");
            int code = TrainerMain.commandLine().execute("round", "--spec", specFile.toString(), "--workspace-root", root.toString(),
                    "--termination-log", termination.toString());
            assertEquals(RoundContract.EXIT_ROUND_BUSY, code, "retryable, not 78");
            assertTrue(Files.readString(termination).startsWith(expected), Files.readString(termination));

            Path staging = local(RoundFixture.iterDir(0)).resolveSibling(".iter-0.partial");
            assertEquals("{\"step\":0}\n", Files.readString(staging.resolve("metrics.jsonl")), "the first trainer's staging directory is untouched");
            assertTrue(Files.notExists(local(RoundFixture.iterDir(0))));
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void theLockDiesWithAKilledHolderAndTheNextTrainerRunsTheRound() throws Exception {
        RoundFixture.populate(root);
        Process holder = holdRound0();
        holder.destroyForcibly().waitFor(); // SIGKILL: no cleanup runs in the holder
        RoundSpec spec = RoundFixture.spec(0, Loss.DPO, 0);
        new RoundRunner().run(spec, root);
        assertTrue(Files.isRegularFile(local(RoundFixture.iterDir(0)).resolve("metrics.jsonl")));
        assertTrue(Files.notExists(local(RoundFixture.iterDir(0)).resolveSibling(".iter-0.partial")), "the killed holder's staging directory is replaced");
    }
}
