package io.selfalign.api.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundJsonTest {

    static RoundSpec sample() {
        return new RoundSpec(RoundSpec.CURRENT_VERSION,
                new RoundSpec.RunRef("team-a", "zephyr", "uid-1"), 1, 3, 42,
                new RoundSpec.Paths("/workspace", "/workspace/models/sft", "/workspace/runs/team-a/zephyr/iter-0/model",
                        "/workspace/models/sft", "/workspace/runs/team-a/zephyr/iter-1"),
                new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 0, 800),
                new RoundSpec.Generation(2, 0.7, 1.0, 0, 300, 32),
                new RoundSpec.Judge("initial", "sum", false),
                new RoundSpec.Training("spa", 0.1, 5e-7, 1, 32, 4, 0.1, "cosine", 2048, 1024, 0.0, 1.0, 0.1, 0.5, 0.1,
                        new RoundSpec.Refinement(0.1, 0.1, 50, 0.2, 0.5)),
                new RoundSpec.Runtime("gpu", "float16", 9400, "/dev/termination-log"));
    }

    @Test
    void specRoundTripsThroughJson() throws Exception {
        RoundSpec spec = sample();
        assertEquals(spec, RoundJson.readSpec(RoundJson.write(spec)));
        assertTrue(spec.problems().isEmpty(), spec.problems().toString());
    }

    @Test
    void resultRoundTripsThroughJson() throws Exception {
        RoundResult r = new RoundResult(1, 2, "abc", "/workspace/runs/a/b/iter-2/model", 12.5,
                Map.of("loss_final", 0.61, "accuracy", 0.75), "ok");
        assertEquals(r, RoundJson.readResult(RoundJson.write(r)));
    }

    @Test
    void hashIgnoresRuntimeButNotWork() {
        RoundSpec a = sample();
        RoundSpec otherPort = new RoundSpec(a.version(), a.run(), a.iteration(), a.iterations(), a.seed(), a.paths(), a.data(),
                a.generation(), a.judge(), a.training(), new RoundSpec.Runtime("gpu", "float16", 0, "/tmp/t"));
        RoundSpec otherSeed = new RoundSpec(a.version(), a.run(), a.iteration(), a.iterations(), 7, a.paths(), a.data(),
                a.generation(), a.judge(), a.training(), a.runtime());
        assertEquals(RoundJson.specHash(a), RoundJson.specHash(otherPort));
        assertNotEquals(RoundJson.specHash(a), RoundJson.specHash(otherSeed));
    }

    @Test
    void problemsNameTheField() {
        RoundSpec a = sample();
        RoundSpec bad = new RoundSpec(a.version(), a.run(), 5, 3, a.seed(),
                new RoundSpec.Paths("/workspace", "/etc/passwd", a.paths().policyModel(), a.paths().judgeReference(), a.paths().outputDir()),
                a.data(), a.generation(), a.judge(),
                new RoundSpec.Training("ppo", 0.1, 5e-7, 1, 32, 5, 0.1, "cosine", 2048, 1024, 0, 1, 0.1, 0.5, 0.1, a.training().refinement()),
                a.runtime());
        List<String> p = bad.problems();
        assertTrue(p.stream().anyMatch(s -> s.startsWith("iteration:")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("paths.baseModel:") && s.contains("outside the workspace")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("training.loss:") && s.contains("ppo")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("training.microBatchSize:")), p.toString());
    }
}
