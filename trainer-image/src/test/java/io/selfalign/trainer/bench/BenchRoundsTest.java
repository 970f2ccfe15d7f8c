package io.selfalign.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.keysort.KeySortSizes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchRoundsTest {
    private final Path ws = Path.of("/tmp/bench/seed-1");
    private final BenchRounds rounds = new BenchRounds(ws, ws.resolve("models/keysort-sft"), ws.resolve("data/keysort"),
            KeySortSizes.FULL, BenchSettings.defaults(), 1);

    @Test
    void seedStagesAreValidDpoRoundsOnTheirGoldFiles() {
        RoundSpec seed = rounds.seedStage(Arm.DPO_SEED);
        assertEquals(java.util.List.of(), seed.problems());
        assertEquals(0, seed.iteration());
        assertEquals(Loss.DPO, seed.training().loss());
        assertEquals(3, seed.training().epochs());
        assertTrue(seed.data().seedPreferences().endsWith("data/keysort/seed.jsonl"));
        assertEquals("/workspace/models/keysort-sft", seed.paths().policyModel());
        assertEquals(1, seed.seed());

        RoundSpec all = rounds.seedStage(Arm.DPO_ALL);
        assertEquals(java.util.List.of(), all.problems());
        assertEquals(1, all.training().epochs());
        assertTrue(all.data().seedPreferences().endsWith("data/keysort/all-gold-except-validation.jsonl"));
        assertTrue(all.data().validationPreferences().endsWith("data/keysort/validation.jsonl"));
        assertEquals("/workspace/runs/bench/dpo-all/iter-0", all.paths().outputDir());
        assertEquals(ws.resolve("runs/bench/dpo-all/iter-0"), rounds.local(all.paths().outputDir()));
    }

    @Test
    void iterationsFollowTheSlicesAndTheArmsRefinementSettings() {
        Path prev = rounds.modelDir(Arm.SPA, 1);
        RoundSpec spa2 = rounds.iteration(Arm.SPA, 2, prev);
        assertEquals(java.util.List.of(), spa2.problems());
        assertEquals(800, spa2.data().promptOffset());
        assertEquals(2_000, spa2.data().promptCount());
        assertEquals(Loss.SPA, spa2.training().loss());
        assertEquals(0.1, spa2.training().refinement().alpha());
        assertEquals(0.25, spa2.training().refinement().lambda());
        assertEquals("/workspace/runs/bench/spa/iter-1/model", spa2.paths().policyModel());
        assertEquals("/workspace/runs/bench/dpo-seed/iter-0/model",
                rounds.iteration(Arm.SPA, 1, rounds.modelDir(Arm.DPO_SEED, 0)).paths().policyModel());
        assertEquals(1, spa2.seed(), "every round of a bench seed uses that seed");
        assertEquals("/workspace/models/keysort-sft", spa2.paths().judgeReference());
        assertEquals(2, spa2.generation().samplesPerPrompt());
        assertEquals(13, spa2.generation().maxNewTokens());
        assertNull(spa2.runtime().terminationLog());

        assertEquals(0.0, rounds.iteration(Arm.SPA_NO_REFINEMENT, 1, prev).training().refinement().alpha());
        RoundSpec noDnd = rounds.iteration(Arm.SPA_NO_DND, 3, prev);
        assertEquals(0.1, noDnd.training().refinement().alpha());
        assertEquals(0.0, noDnd.training().refinement().lambda());
        assertEquals(2_800, noDnd.data().promptOffset());
        assertEquals(2_800, noDnd.data().promptCount(), "the last slice ends before the 200 validation pairs' prompts");
        assertEquals(0.125, rounds.iteration(Arm.ORACLE, 3, prev).training().refinement().lambda());
    }

    @Test
    void referenceFreeArmJudgesByThePolicysMeanLogProbWithoutASecondModel() {
        RoundSpec free = rounds.iteration(Arm.SPA_REFERENCE_FREE, 2, rounds.modelDir(Arm.SPA_REFERENCE_FREE, 1));
        assertEquals(java.util.List.of(), free.problems());
        assertEquals(io.selfalign.api.round.JudgeReference.NONE, free.judge().reference());
        assertEquals(io.selfalign.api.round.JudgeScore.MEAN, free.judge().score());
        assertNull(free.paths().judgeReference());
        assertEquals(4, free.generation().samplesPerPrompt());
    }

    /** Iteration 1's policy is the shared DPO-seed model, so previous-reference rounds judge against the bench's models. */
    @Test
    void previousReferenceIsTheModelEachPolicyWasTrainedFrom() {
        assertEquals("/workspace/models/keysort-sft",
                rounds.iteration(Arm.SPA_PREVIOUS, 1, rounds.modelDir(Arm.DPO_SEED, 0)).paths().judgeReference());
        assertEquals("/workspace/runs/bench/dpo-seed/iter-0/model",
                rounds.iteration(Arm.SPA_PREVIOUS, 2, rounds.modelDir(Arm.SPA_PREVIOUS, 1)).paths().judgeReference());
        assertEquals("/workspace/runs/bench/spa-previous/iter-1/model",
                rounds.iteration(Arm.SPA_PREVIOUS, 3, rounds.modelDir(Arm.SPA_PREVIOUS, 2)).paths().judgeReference());
    }
}
