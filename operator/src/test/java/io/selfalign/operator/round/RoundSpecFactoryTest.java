package io.selfalign.operator.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.testing.OperatorHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundSpecFactoryTest {
    final RoundSpecFactory factory = new RoundSpecFactory("nvidia.com/gpu");

    static AlignmentRun run() {
        AlignmentRun run = OperatorHarness.run("zephyr", 4);
        run.getMetadata().setUid("uid-1");
        run.getSpec().data.promptsPerIteration = List.of(800L, 2000L, 3000L, 10L);
        return run;
    }

    @Test
    void seedRoundTrainsTheBaseModelOnTheSeedPairsWithDpo() {
        RoundSpec s = factory.create(run(), 0);
        assertEquals(new RoundSpec.Paths("/workspace", "/workspace/models/sft", "/workspace/models/sft", "/workspace/models/sft",
                "/workspace/runs/team-a/zephyr/iter-0"), s.paths());
        // All four iterations' prompts (800 + 2000 + 3000 + 10): the seed round checks them before it trains.
        assertEquals(new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 0, 5810), s.data());
        assertEquals("dpo", s.training().loss());
        assertEquals(3, s.training().epochs());
        assertEquals(0.0, s.training().refinement().lambda());
        assertEquals(42, s.seed());
        assertEquals(new RoundSpec.Runtime("gpu", "float32", 9400, "/dev/termination-log"), s.runtime());
        assertTrue(s.problems().isEmpty(), s.problems().toString());
    }

    @Test
    void iterationKTrainsThePreviousModelOnItsPromptSlice() {
        RoundSpec s = factory.create(run(), 3);
        assertEquals("/workspace/runs/team-a/zephyr/iter-2/model", s.paths().policyModel());
        assertEquals("/workspace/models/sft", s.paths().judgeReference());
        assertEquals("/workspace/runs/team-a/zephyr/iter-3", s.paths().outputDir());
        assertEquals(new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 2800, 3000), s.data());
        assertEquals("spa", s.training().loss());
        assertEquals(1, s.training().epochs());
        assertEquals(0.125, s.training().refinement().lambda());
        assertEquals(45, s.seed());
        assertTrue(s.problems().isEmpty(), s.problems().toString());
    }

    @Test
    void judgeReferencePreviousIsThePolicy() {
        AlignmentRun run = run();
        run.getSpec().judge.reference = "previous";
        RoundSpec s = factory.create(run, 2);
        assertEquals(s.paths().policyModel(), s.paths().judgeReference());
    }

    @Test
    void withoutSeedPreferencesIterationOneStartsFromTheBaseModel() {
        AlignmentRun run = run();
        run.getSpec().data.seedPreferences = null;
        assertEquals("/workspace/models/sft", factory.create(run, 1).paths().policyModel());
        assertEquals("/workspace/runs/team-a/zephyr/iter-1/model", factory.create(run, 2).paths().policyModel());
        assertNull(factory.create(run, 1).data().seedPreferences());
    }

    @Test
    void oneNumberGivesEqualConsecutiveSlices() {
        AlignmentRun run = run();
        run.getSpec().data.promptsPerIteration = List.of(50L);
        assertEquals(0, factory.create(run, 1).data().promptOffset());
        assertEquals(100, factory.create(run, 3).data().promptOffset());
        assertEquals(50, factory.create(run, 3).data().promptCount());
    }

    @Test
    void lambdaFollowsTheListThenHalvesTheLastValue() {
        assertEquals(0.5, RoundSpecFactory.lambda(null, 1));
        assertEquals(0.125, RoundSpecFactory.lambda(null, 3));
        assertEquals(0.0625, RoundSpecFactory.lambda(null, 4));
        assertEquals(0.3, RoundSpecFactory.lambda(List.of(0.3), 1));
        assertEquals(0.15, RoundSpecFactory.lambda(List.of(0.3), 2));
        assertEquals(0.0, RoundSpecFactory.lambda(List.of(0.0), 5));
        assertEquals(0.0, RoundSpecFactory.lambda(List.of(0.3), 0));
    }

    @Test
    void deviceIsCpuUnlessTheTrainerGetsAGpu() {
        AlignmentRun run = run();
        ResourceRequirements cpu = new ResourceRequirements();
        cpu.setRequests(Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi")));
        run.getSpec().trainer.resources = cpu;
        assertEquals("cpu", factory.create(run, 1).runtime().device());
        ResourceRequirements gpu = new ResourceRequirements();
        gpu.setLimits(Map.of("nvidia.com/gpu", new Quantity("2")));
        run.getSpec().trainer.resources = gpu;
        assertEquals("gpu", factory.create(run, 1).runtime().device());
    }

    @Test
    void sameRunAndRoundGiveTheSameSpecHash() {
        assertEquals(RoundJson.specHash(factory.create(run(), 2)), RoundJson.specHash(factory.create(run(), 2)));
    }
}
