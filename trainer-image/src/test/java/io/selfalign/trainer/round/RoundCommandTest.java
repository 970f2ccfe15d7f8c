package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.cli.TrainerMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code round} command: exit codes, termination message and every bad-input case — each is exit
 * 78 with one line naming the field, or the file and line, and leaves no output directory behind.
 */
class RoundCommandTest {
    @TempDir
    static Path root;

    @BeforeAll
    static void workspace() throws IOException {
        RoundFixture.populate(root);
    }

    private record Outcome(int exitCode, String termination) {}

    private static Outcome run(Path specFile) throws IOException {
        Path termination = root.resolve("termination-log");
        Files.deleteIfExists(termination);
        int code = TrainerMain.commandLine().execute("round", "--spec", specFile.toString(), "--workspace-root", root.toString(),
                "--termination-log", termination.toString());
        return new Outcome(code, Files.exists(termination) ? Files.readString(termination) : null);
    }

    private static Outcome run(RoundSpec spec) throws IOException {
        Path file = root.resolve("round.json");
        Files.writeString(file, RoundJson.write(spec));
        return run(file);
    }

    /** Runs a broken variant of the seed-stage spec; expects 78, a message containing {@code expected}, and no output. */
    private static void assertInputError(UnaryOperator<RoundSpec> breakIt, String expected) throws IOException {
        RoundSpec spec = breakIt.apply(RoundFixture.spec(0, Loss.DPO, 0));
        Outcome o = run(spec);
        assertEquals(78, o.exitCode(), o.termination());
        assertTrue(o.termination().contains(expected), "'" + o.termination() + "' should contain '" + expected + "'");
        assertFalse(o.termination().contains("\n"));
        String out = spec.paths() == null ? RoundFixture.iterDir(0) : spec.paths().outputDir();
        assertFalse(Files.exists(root.resolve(Path.of(RoundFixture.WS).relativize(Path.of(out)).toString())), "no output for a bad round");
    }

    private static RoundSpec withData(RoundSpec s, RoundSpec.Data d) {
        return RoundFixture.withData(s, d);
    }

    private static RoundSpec withPaths(RoundSpec s, RoundSpec.Paths p) {
        return s.withPaths(p);
    }

    @Test
    void successWritesTheCompactResultToTheTerminationLog() throws IOException {
        RoundSpec spec = RoundFixture.withOutputDir(RoundFixture.spec(0, Loss.DPO, 0), RoundFixture.WS + "/runs/team/cli/iter-0");
        Outcome o = run(spec);
        assertEquals(0, o.exitCode());
        assertTrue(o.termination().getBytes(StandardCharsets.UTF_8).length <= RoundResult.MAX_TERMINATION_BYTES);
        RoundResult r = RoundJson.readResult(o.termination());
        assertEquals(RoundJson.specHash(spec), r.specHash());
        assertEquals(RoundFixture.WS + "/runs/team/cli/iter-0/model", r.checkpoint());
        // The same spec again: reported from result.json, same message.
        Outcome again = run(spec);
        assertEquals(0, again.exitCode());
        assertEquals(o.termination(), again.termination());
        // Another spec for the same output directory (a new seed): recomputed, and the old output replaced.
        RoundSpec reseeded = new RoundSpec(spec.version(), spec.run(), spec.iteration(), spec.iterations(), 8, spec.paths(), spec.data(),
                spec.generation(), spec.judge(), spec.training(), spec.runtime());
        Outcome replaced = run(reseeded);
        assertEquals(0, replaced.exitCode());
        assertEquals(RoundJson.specHash(reseeded), RoundJson.readResult(replaced.termination()).specHash());
        assertEquals(RoundJson.specHash(reseeded),
                RoundJson.readResult(Files.readString(root.resolve("runs/team/cli/iter-0/result.json"))).specHash());
        try (var siblings = Files.list(root.resolve("runs/team/cli"))) {
            assertEquals(List.of(".iter-0.lock", "iter-0"), siblings.map(p -> p.getFileName().toString()).sorted().toList(),
                    "only iter-0 (and its round's lock file) remains");
        }
    }

    @Test
    void specFileProblemsNameTheFileAndLine() throws IOException {
        Path missing = root.resolve("nope.json");
        Outcome o = run(missing);
        assertEquals(78, o.exitCode());
        assertEquals(missing + ": round spec not found", o.termination());
        Path malformed = Files.writeString(root.resolve("bad.json"), "{\n  \"version\": 1,\n  \"iteration\": \"one\"\n}\n");
        Outcome m = run(malformed);
        assertEquals(78, m.exitCode());
        assertTrue(m.termination().startsWith(malformed + ":3:"), m.termination());
    }

    @Test
    void specProblemsNameTheField() throws IOException {
        assertInputError(s -> RoundFixture.spec(0, Loss.DPO, 0, run -> run.training.loss = null), "training.loss: required");
        assertInputError(s -> withPaths(s, new RoundSpec.Paths(s.paths().workspace(), "/etc/models", s.paths().policyModel(),
                        s.paths().judgeReference(), s.paths().outputDir())),
                "paths.baseModel: /etc/models lies outside the workspace");
        assertInputError(s -> RoundFixture.withIteration(s, 3), "iteration: must be in 0..2, got 3");
        assertInputError(s -> withData(s, new RoundSpec.Data(null, RoundFixture.PROMPTS, 0, 3, null)), "data.seedPreferences: required for iteration 0");
    }

    @Test
    void anUnknownLossInRoundJsonIsAnInputErrorNamingTheField() throws IOException {
        Path file = root.resolve("round-ppo.json");
        Files.writeString(file, RoundJson.write(RoundFixture.spec(0, Loss.DPO, 0)).replace("\"loss\":\"dpo\"", "\"loss\":\"ppo\""));
        Outcome o = run(file);
        assertEquals(78, o.exitCode(), o.termination());
        assertTrue(o.termination().contains("invalid round spec: training.loss: ") && o.termination().contains("\"ppo\""), o.termination());
    }

    @Test
    void inputFileProblemsNameTheFileAndLine() throws IOException {
        Files.writeString(root.resolve("data/broken.jsonl"), "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n{\"prompt\": \"a\", \"chosen\": 5, \"rejected\": \"c\"}\n");
        assertInputError(s -> withData(s, new RoundSpec.Data(RoundFixture.WS + "/data/broken.jsonl", RoundFixture.PROMPTS, 0, 3, null)),
                root.resolve("data/broken.jsonl") + ":2: field 'chosen' must be a string");
        assertInputError(s -> withData(s, new RoundSpec.Data(RoundFixture.WS + "/data/absent.jsonl", RoundFixture.PROMPTS, 0, 3, null)),
                root.resolve("data/absent.jsonl") + ": file not found");
        assertInputError(s -> withPaths(s, new RoundSpec.Paths(RoundFixture.WS, s.paths().baseModel(), RoundFixture.WS + "/models/none",
                s.paths().judgeReference(), s.paths().outputDir())), "paths.policyModel: " + root.resolve("models/none") + " is not a model directory");
    }

    @Test
    void aPromptSliceOutsideTheFileIsAnInputError() throws IOException {
        RoundSpec s = RoundFixture.spec(1, Loss.SPA, 0.5);
        RoundSpec iter1 = withPaths(s, new RoundSpec.Paths(RoundFixture.WS, RoundFixture.BASE, RoundFixture.BASE, RoundFixture.BASE, s.paths().outputDir()));
        RoundSpec beyond = withData(iter1, new RoundSpec.Data(RoundFixture.SEED, RoundFixture.PROMPTS, 4, 3, null));
        Outcome o = run(beyond);
        assertEquals(78, o.exitCode());
        assertTrue(o.termination().contains("has 6 prompt rows, but this iteration needs rows 4..6"), o.termination());
    }

    @Test
    void aMissingGpuIsARuntimeFailureNotAnInputError() throws IOException {
        RoundSpec s = RoundFixture.withOutputDir(RoundFixture.spec(0, Loss.DPO, 0), RoundFixture.WS + "/runs/team/gpu/iter-0");
        RoundSpec gpu = s.withRuntime(new RoundSpec.Runtime(DeviceKind.GPU, ComputeDtype.FLOAT16, 0, null));
        Outcome o = run(gpu);
        assertEquals(1, o.exitCode());
        assertTrue(o.termination().startsWith("round failed: "), o.termination());
        assertFalse(Files.exists(root.resolve("runs/team/gpu/iter-0")));
        assertFalse(Files.exists(root.resolve("runs/team/gpu/.iter-0.partial")), "the staging directory is removed");
    }
}
