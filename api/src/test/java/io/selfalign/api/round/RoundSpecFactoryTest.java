package io.selfalign.api.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.api.v1alpha1.DataSpec;
import io.selfalign.api.v1alpha1.GuidanceSpec;
import io.selfalign.api.v1alpha1.LoraSpec;
import io.selfalign.api.v1alpha1.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundSpecFactoryTest {
    static final RoundSpec.Runtime GPU = new RoundSpec.Runtime(DeviceKind.GPU, ComputeDtype.FLOAT32, 9400, RoundContract.TERMINATION_LOG);

    static AlignmentRun run() {
        AlignmentRun run = new AlignmentRun();
        run.getMetadata().setName("zephyr");
        run.getMetadata().setNamespace("team-a");
        run.getMetadata().setUid("uid-1");
        AlignmentRunSpec spec = new AlignmentRunSpec();
        spec.model = new ModelSpec();
        spec.model.path = "models/sft";
        spec.data = new DataSpec();
        spec.data.seedPreferences = "data/seed.jsonl";
        spec.data.prompts = "data/prompts.jsonl";
        spec.data.promptsPerIteration = List.of(800L, 2000L, 3000L, 10L);
        spec.iterations = 4;
        run.setSpec(spec);
        return run;
    }

    static RoundSpec create(AlignmentRun run, int k) {
        return RoundSpecFactory.create(run, k, GPU);
    }

    @Test
    void aGuidedRunCarriesItsGuidanceModelFromRoundToRoundWithTheDefaultSettings() {
        AlignmentRun run = run();
        run.getSpec().judge.kind = JudgeKind.GUIDANCE;
        RoundSpec seed = create(run, 0);
        assertNull(seed.paths().guidanceModel(), "the seed round fits a fresh one from the policy");
        assertEquals(new RoundSpec.Guidance(GuidanceAggregation.MEAN, GuidanceRanking.LISTWISE, 5e-5, 0.05, null), seed.training().guidance());
        assertEquals(3, seed.training().guidance().epochsOr(seed.training().epochs()), "unset epochs are the round's: seedEpochs in the seed round");
        assertEquals(JudgeKind.GUIDANCE, seed.judge().kind());
        RoundSpec second = create(run, 2);
        assertEquals("/workspace/runs/team-a/zephyr/iter-1/guidance", second.paths().guidanceModel());
        assertEquals(1, second.training().guidance().epochsOr(second.training().epochs()), "and epochs after it");
        assertTrue(second.problems().isEmpty(), second.problems().toString());

        AlignmentRun loss = run();
        loss.getSpec().training.loss = Loss.GUIDANCE;
        assertEquals("/workspace/runs/team-a/zephyr/iter-0/guidance", create(loss, 1).paths().guidanceModel());
        assertEquals(Loss.GUIDANCE, create(loss, 0).training().loss(), "guidance stays guidance in the seed round");
    }

    @Test
    void theGuidanceModelsOwnEpochsApplyToEveryRoundAndAreChecked() {
        AlignmentRun run = run();
        run.getSpec().judge.kind = JudgeKind.GUIDANCE;
        run.getSpec().training.guidance = new GuidanceSpec();
        run.getSpec().training.guidance.epochs = 8;
        assertEquals(8, create(run, 0).training().guidance().epochsOr(3));
        assertEquals(8, create(run, 2).training().guidance().epochsOr(1));
        run.getSpec().training.guidance.epochs = 0;
        assertEquals(List.of("training.guidance.epochs: must be >= 1, got 0"), create(run, 1).problems());
    }

    @Test
    void aJudgeChoosingItsWeightOnHeldOutPairsWeighsTheSeedRoundsDirection() {
        AlignmentRun run = run();
        run.getSpec().data.validationPreferences = "data/validation.jsonl";
        assertNull(create(run, 0).paths().directionModel(), "the seed round judges nothing");
        assertEquals("/workspace/runs/team-a/zephyr/iter-0/model", create(run, 1).paths().directionModel(), "iteration 1: its own policy");
        assertEquals("/workspace/runs/team-a/zephyr/iter-0/model", create(run, 3).paths().directionModel());

        run.getSpec().judge.select = JudgeSelection.NONE;
        assertNull(create(run, 3).paths().directionModel(), "a fixed judge weighs the policy's own direction");
        AlignmentRun noSeed = run();
        noSeed.getSpec().data.validationPreferences = "data/validation.jsonl";
        noSeed.getSpec().data.seedPreferences = null;
        assertNull(create(noSeed, 2).paths().directionModel(), "no seed round, no seed direction");
    }

    @Test
    void aRunWithoutGuidanceWritesNoneOfItsFields() {
        AlignmentRun run = run();
        run.getSpec().training.guidance = new GuidanceSpec();
        RoundSpec s = create(run, 2);
        assertNull(s.paths().guidanceModel());
        assertNull(s.training().guidance());
        assertNull(s.judge().kind());
        String json = RoundJson.write(s);
        assertTrue(!json.contains("guidance") && !json.contains("kind"), json);
    }

    @Test
    void guidanceProblemsNameTheirFields() {
        AlignmentRun run = run();
        run.getSpec().judge.kind = JudgeKind.GUIDANCE;
        run.getSpec().data.seedPreferences = null;
        run.getSpec().training.guidance = new GuidanceSpec();
        run.getSpec().training.guidance.learningRate = 0;
        run.getSpec().training.guidance.klCoefficient = -1;
        run.getSpec().training.guidance.aggregation = null;
        assertEquals(List.of("training.guidance.aggregation: required, one of [mean, sum, min]",
                "training.guidance.learningRate: must be > 0, got 0.0", "training.guidance.klCoefficient: must be >= 0, got -1.0",
                "judge.kind: guidance needs data.seedPreferences or paths.guidanceModel: the guidance model must be fitted to "
                        + "preferences before it can judge"), create(run, 1).problems());

        RoundSpec withoutSettings = create(run(), 1);
        RoundSpec guided = new RoundSpec(withoutSettings.version(), withoutSettings.run(), 1, withoutSettings.iterations(),
                withoutSettings.seed(), withoutSettings.paths(), withoutSettings.data(), withoutSettings.generation(),
                withoutSettings.judge(), withoutSettings.training().withLoss(Loss.GUIDANCE), withoutSettings.runtime());
        assertEquals(List.of("training.guidance: required when judge.kind or training.loss is guidance"), guided.problems());
    }

    @Test
    void seedRoundTrainsTheBaseModelOnTheSeedPairsWithDpo() {
        RoundSpec s = create(run(), 0);
        // The default judge (reference none) names no reference model.
        assertEquals(new RoundSpec.Paths("/workspace", "/workspace/models/sft", "/workspace/models/sft", null,
                "/workspace/runs/team-a/zephyr/iter-0"), s.paths());
        // All four iterations' prompts (800 + 2000 + 3000 + 10): the seed round checks them before it trains.
        assertEquals(new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 0, 5810, null), s.data());
        assertEquals(Loss.DPO, s.training().loss());
        assertEquals(3, s.training().epochs());
        assertEquals(0.0, s.training().refinement().lambda());
        assertEquals(42, s.seed());
        assertEquals(GPU, s.runtime());
        assertTrue(s.problems().isEmpty(), s.problems().toString());
    }

    @Test
    void shardsReachTheRoundSpecOnlyWhenAboveOne() {
        AlignmentRun run = run();
        assertNull(create(run, 1).generation().shards(), "an unsharded round.json keeps its bytes and hash");
        assertEquals(1, create(run, 1).generation().shardsOrDefault());
        run.getSpec().generation.shards = 4;
        assertEquals(4, create(run, 1).generation().shards());
        assertTrue(RoundJson.write(create(run, 1)).contains("\"shards\":4"));
        RoundSpec s = create(run, 1);
        RoundSpec.Generation g = s.generation();
        RoundSpec zero = new RoundSpec(s.version(), s.run(), s.iteration(), s.iterations(), s.seed(), s.paths(), s.data(),
                new RoundSpec.Generation(g.samplesPerPrompt(), g.temperature(), g.topP(), g.topK(), g.maxNewTokens(), g.batchSize(), 0),
                s.judge(), s.training(), s.runtime());
        assertEquals(List.of("generation.shards: must be >= 1"), zero.problems());
    }

    @Test
    void iterationKTrainsThePreviousModelOnItsPromptSlice() {
        AlignmentRun run = run();
        run.getSpec().judge.reference = JudgeReference.INITIAL;
        RoundSpec s = create(run, 3);
        assertEquals("/workspace/runs/team-a/zephyr/iter-2/model", s.paths().policyModel());
        assertEquals("/workspace/models/sft", s.paths().judgeReference(), "SPA's judge: the base model at every iteration");
        assertEquals("/workspace/runs/team-a/zephyr/iter-3", s.paths().outputDir());
        assertEquals(new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 2800, 3000, null), s.data());
        assertEquals(Loss.SPA, s.training().loss());
        assertEquals(1, s.training().epochs());
        assertEquals(0.125, s.training().refinement().lambda());
        assertEquals(45, s.seed());
        assertTrue(s.problems().isEmpty(), s.problems().toString());
    }

    @Test
    void judgeReferencePreviousIsTheModelThePolicyWasTrainedFrom() {
        AlignmentRun run = run();
        run.getSpec().judge.reference = JudgeReference.PREVIOUS;
        // Iteration 1's policy (iter-0) was trained from the base model; iteration k's from iteration k-2's model.
        assertEquals("/workspace/models/sft", create(run, 1).paths().judgeReference());
        assertEquals("/workspace/runs/team-a/zephyr/iter-0/model", create(run, 2).paths().judgeReference());
        assertEquals("/workspace/runs/team-a/zephyr/iter-1/model", create(run, 3).paths().judgeReference());
        for (int k = 1; k <= 3; k++) assertNotEquals(create(run, k).paths().policyModel(), create(run, k).paths().judgeReference());
    }

    @Test
    void theJudgeChoosesItsWeightByDefaultWhenTheRunHasValidationPairs() {
        AlignmentRun without = run();
        assertNull(create(without, 1).judge().select(), "no pairs to choose on: the configured weight, as before");
        AlignmentRun with = run();
        with.getSpec().data.validationPreferences = "data/validation.jsonl";
        assertEquals(JudgeSelection.VALIDATION, create(with, 1).judge().select());
        assertEquals(List.of(), create(with, 1).problems());
        AlignmentRun fixed = run();
        fixed.getSpec().data.validationPreferences = "data/validation.jsonl";
        fixed.getSpec().judge.select = JudgeSelection.NONE;
        assertEquals(JudgeSelection.NONE, create(fixed, 1).judge().select(), "an explicit none is kept");
    }

    @Test
    void judgeReferenceNoneNamesNoReferenceModel() {
        AlignmentRun run = run();
        run.getSpec().judge.reference = JudgeReference.NONE;
        for (int k = 0; k <= 3; k++) {
            assertNull(create(run, k).paths().judgeReference(), "iteration " + k);
            assertEquals(List.of(), create(run, k).problems(), "iteration " + k);
        }
        // Any other reference still requires the path.
        AlignmentRun withReference = run();
        withReference.getSpec().judge.reference = JudgeReference.INITIAL;
        RoundSpec initial = create(withReference, 1);
        RoundSpec withoutPath = initial.withPaths(initial.paths().withJudgeReference(null));
        assertTrue(withoutPath.problems().stream().anyMatch(p -> p.startsWith("paths.judgeReference")), withoutPath.problems().toString());
    }

    @Test
    void judgeReferencePreviousWithoutSeedRoundStartsAtTheBaseModel() {
        AlignmentRun run = run();
        run.getSpec().judge.reference = JudgeReference.PREVIOUS;
        run.getSpec().data.seedPreferences = null;
        // Iteration 2's policy (iter-1) was trained from the base model, iteration 3's from iter-1's.
        assertEquals("/workspace/models/sft", create(run, 2).paths().judgeReference());
        assertEquals("/workspace/runs/team-a/zephyr/iter-1/model", create(run, 3).paths().judgeReference());
    }

    @Test
    void withoutSeedPreferencesIterationOneStartsFromTheBaseModel() {
        AlignmentRun run = run();
        run.getSpec().data.seedPreferences = null;
        assertEquals("/workspace/models/sft", create(run, 1).paths().policyModel());
        assertEquals("/workspace/runs/team-a/zephyr/iter-1/model", create(run, 2).paths().policyModel());
        assertNull(create(run, 1).data().seedPreferences());
    }

    @Test
    void oneNumberGivesEqualConsecutiveSlices() {
        AlignmentRun run = run();
        run.getSpec().data.promptsPerIteration = List.of(50L);
        assertEquals(0, create(run, 1).data().promptOffset());
        assertEquals(100, create(run, 3).data().promptOffset());
        assertEquals(50, create(run, 3).data().promptCount());
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
    void onlySpaBecomesDpoInTheSeedRound() {
        AlignmentRun run = run();
        run.getSpec().training.loss = Loss.SPA;
        assertEquals(Loss.DPO, create(run, 0).training().loss());
        assertEquals(Loss.SPA, create(run, 1).training().loss());
        run.getSpec().training.loss = Loss.IPO;
        assertEquals(Loss.IPO, create(run, 0).training().loss());
    }

    @Test
    void roundKSamplesAndTrainsWithTheSeedItAlwaysHad() {
        // The run's seed + k in round.json, then spread 1,000,003 apart per iteration: the numbers of every earlier release.
        AlignmentRun run = run();
        assertEquals(List.of(42L, 1_000_046L, 2_000_050L, 3_000_054L),
                List.of(create(run, 0).rngSeed(), create(run, 1).rngSeed(), create(run, 2).rngSeed(), create(run, 3).rngSeed()));
        assertEquals(44, create(run, 2).seed(), "round.json carries the run's seed + k");
    }

    /**
     * Raising {@code iterations} continues a run: every earlier round keeps its prompt window, its spec hash and so its
     * finished output, although round.json says how many rounds the run now has and the seed round checks more prompts.
     * A per-iteration prompt list and an extrapolation list grown at their ends move no earlier round.
     */
    @Test
    void raisingIterationsKeepsEveryEarlierRoundsWindowAndHash() {
        AlignmentRun before = run();
        before.getSpec().iterations = 2;
        before.getSpec().data.promptsPerIteration = List.of(800L, 2000L);
        before.getSpec().training.refinement.extrapolation = List.of(0.75);
        AlignmentRun after = run();
        after.getSpec().iterations = 3;
        after.getSpec().data.promptsPerIteration = List.of(800L, 2000L, 3000L);
        // λ of iteration 2 was 0.375 (beyond the list, the last entry halved); the longer list keeps it and adds iteration 3's.
        after.getSpec().training.refinement.extrapolation = List.of(0.75, 0.375, 0.25);
        for (int k = 0; k <= 2; k++) {
            RoundSpec was = create(before, k);
            RoundSpec now = create(after, k);
            assertEquals(RoundJson.specHash(was), RoundJson.specHash(now), "round " + k);
            assertTrue(RoundJson.sameRound(RoundJson.specHash(was), now), "round " + k);
            assertNotEquals(RoundJson.write(was), RoundJson.write(now), "round " + k + "'s round.json names the run's iterations");
            if (k >= 1) assertEquals(was.data(), now.data(), "round " + k + "'s prompt window");
        }
        assertEquals(2800, create(before, 0).data().promptCount(), "the seed round checks the prompts of both iterations");
        assertEquals(5800, create(after, 0).data().promptCount(), "and of all three after the raise");
        assertEquals(new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 2800, 3000, null),
                create(after, 3).data(), "the new round takes the rows after the finished ones");
        // What a round computes from still counts: another seed or another first window is another round.
        AlignmentRun reseeded = run();
        reseeded.getSpec().iterations = 3;
        reseeded.getSpec().seed = 7;
        assertNotEquals(RoundJson.specHash(create(after, 0)), RoundJson.specHash(create(reseeded, 0)));
        AlignmentRun rewindowed = run();
        rewindowed.getSpec().iterations = 3;
        rewindowed.getSpec().data.promptsPerIteration = List.of(700L, 2000L, 3000L);
        assertNotEquals(RoundJson.specHash(create(after, 2)), RoundJson.specHash(create(rewindowed, 2)),
                "a shorter first window moves iteration 2's rows");
    }

    @Test
    void sameRunAndRoundGiveTheSameSpecHash() {
        assertEquals(RoundJson.specHash(create(run(), 2)), RoundJson.specHash(create(run(), 2)));
    }

    @Test
    void loraIsOffByDefaultAndGetsAlphaTwiceRankAndEveryProjectionWhenUnset() {
        assertNull(create(run(), 1).training().lora());
        AlignmentRun run = run();
        run.getSpec().training.lora = new LoraSpec();
        run.getSpec().training.lora.rank = 16;
        assertEquals(new RoundSpec.Lora(16, 32, 0, RoundSpec.Lora.MODULES), create(run, 0).training().lora());
        run.getSpec().training.lora.alpha = 8.0;
        run.getSpec().training.lora.dropout = 0.05;
        run.getSpec().training.lora.targetModules = List.of("q_proj", "v_proj");
        assertEquals(new RoundSpec.Lora(16, 8, 0.05, List.of("q_proj", "v_proj")), create(run, 2).training().lora());
    }
}
