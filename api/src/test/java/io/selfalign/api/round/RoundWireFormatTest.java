package io.selfalign.api.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.v1alpha1.GenerationSpec;
import io.selfalign.api.v1alpha1.GuardSpec;
import io.selfalign.api.v1alpha1.JudgeSpec;
import io.selfalign.api.v1alpha1.LoraSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import io.selfalign.api.v1alpha1.GuidanceSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins the exact bytes of {@code round.json} and its hashes: a trainer that finds a finished round from an
 * older operator must recognise it (the whole spec's hash, which results carried before the identity hash), and an older trainer must read what a newer operator writes.
 * {@link #JSON} is a spec as written before the contract got its enums (the spec was then built positionally with
 * strings), its options unset; {@code round-full.json} is one with every field set, as written before the contract's
 * hand-written builders were removed. The parameter sections are made through their {@code of} methods from CRD
 * types, as the operator makes them, with no two numbers alike, so a swapped pair of arguments changes the bytes.
 */
class RoundWireFormatTest {
    static final String JSON = "{\"data\":{\"promptCount\":700,\"promptOffset\":800,\"prompts\":\"/workspace/data/prompts.jsonl\",\"seedPreferences\":\"/workspace/data/seed.jsonl\"},\"generation\":{\"batchSize\":32,\"maxNewTokens\":300,\"samplesPerPrompt\":4,\"temperature\":0.7,\"topK\":50,\"topP\":0.95},\"iteration\":2,\"iterations\":3,\"judge\":{\"dropTies\":true,\"reference\":\"previous\",\"score\":\"mean\"},\"paths\":{\"baseModel\":\"/workspace/models/sft\",\"judgeReference\":\"/workspace/models/sft\",\"outputDir\":\"/workspace/runs/team-a/zephyr/iter-2\",\"policyModel\":\"/workspace/runs/team-a/zephyr/iter-1/model\",\"workspace\":\"/workspace\"},\"run\":{\"name\":\"zephyr\",\"namespace\":\"team-a\",\"uid\":\"uid-1\"},\"runtime\":{\"device\":\"gpu\",\"dtype\":\"float16\",\"metricsPort\":9400,\"terminationLog\":\"/dev/termination-log\"},\"seed\":44,\"training\":{\"batchSize\":64,\"beta\":0.1,\"epochs\":2,\"labelSmoothing\":0.15,\"learningRate\":5.0E-7,\"loss\":\"spa\",\"maxGradNorm\":1.5,\"maxLength\":2048,\"maxPromptLength\":1024,\"microBatchSize\":8,\"orpoLambda\":0.2,\"refinement\":{\"alpha\":0.12,\"lambda\":0.375,\"noisyFraction\":0.11,\"warmupFraction\":0.25,\"window\":50},\"schedule\":\"linear\",\"simpoGamma\":0.5,\"warmupRatio\":0.05,\"weightDecay\":0.01},\"version\":1}";
    static final String HASH = "77d28e59c8fdfa631d8381921522ecca5d5f6f2c481bb3e2d8f4c1484e531300";
    static final String FULL_HASH = "f272fca8dbaf634eede3e865c4da3210a751df44ed6cea1f293f687f3ebf2e40";
    /** {@link RoundJson#specHash}, the round's identity: the spec without runtime and {@code iterations}. */
    static final String IDENTITY = "f75489a590a1dea2bd9a0abec43b932bd06e1ec0b9e43febc518b859c54c784f";
    static final String FULL_IDENTITY = "8e5f8bfef10d58f8e5aa8a6fb79dcb5a133fd951875161f3fc729777d23c28d8";

    static final RoundSpec.Runtime RUNTIME = new RoundSpec.Runtime(DeviceKind.GPU, ComputeDtype.FLOAT16, 9400, RoundContract.TERMINATION_LOG);

    /** Iteration 2 of the run's training: epochs 2, λ 0.375 (the list's second entry). */
    static TrainingSpec training() {
        TrainingSpec t = new TrainingSpec();
        t.loss = Loss.SPA;
        t.beta = 0.1;
        t.learningRate = 5e-7;
        t.epochs = 2;
        t.seedEpochs = 9;
        t.batchSize = 64;
        t.microBatchSize = 8;
        t.warmupRatio = 0.05;
        t.schedule = LrSchedule.LINEAR;
        t.maxLength = 2048;
        t.maxPromptLength = 1024;
        t.weightDecay = 0.01;
        t.maxGradNorm = 1.5;
        t.labelSmoothing = 0.15;
        t.simpoGamma = 0.5;
        t.orpoLambda = 0.2;
        t.refinement.alpha = 0.12;
        t.refinement.noisyFraction = 0.11;
        t.refinement.window = 50;
        t.refinement.warmupFraction = 0.25;
        t.refinement.extrapolation = List.of(0.75, 0.375);
        return t;
    }

    static GenerationSpec generation() {
        GenerationSpec g = new GenerationSpec();
        g.samplesPerPrompt = 4;
        g.temperature = 0.7;
        g.topP = 0.95;
        g.topK = 50;
        g.maxNewTokens = 300;
        g.batchSize = 32;
        return g;
    }

    /** Every field of its time set; the options added later (truncated, lengthControl, guard, shards, lora) unset. */
    static RoundSpec spec() {
        JudgeSpec j = new JudgeSpec();
        j.reference = JudgeReference.PREVIOUS;
        j.score = JudgeScore.MEAN;
        j.dropTies = true;
        j.truncated = null;
        j.lengthControl = null;
        return new RoundSpec(RoundSpec.CURRENT_VERSION, new RoundSpec.RunRef("team-a", "zephyr", "uid-1"), 2, 3, 44,
                new RoundSpec.Paths("/workspace", "/workspace/models/sft", "/workspace/runs/team-a/zephyr/iter-1/model",
                        "/workspace/models/sft", "/workspace/runs/team-a/zephyr/iter-2"),
                new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 800, 700, null),
                RoundSpec.Generation.of(generation()), RoundSpec.Judge.of(j, new GuardSpec()), RoundSpec.Training.of(training(), 2), RUNTIME);
    }

    /** Every field set, every option on. */
    static RoundSpec fullSpec() {
        GenerationSpec g = generation();
        g.samplesPerPrompt = 6;
        g.shards = 4;
        JudgeSpec j = new JudgeSpec();
        j.reference = JudgeReference.PREVIOUS;
        j.score = JudgeScore.MEAN;
        j.dropTies = true;
        j.truncated = TruncatedResponses.EXCLUDE;
        j.lengthControl = LengthControl.REGRESS;
        j.referenceWeight = 0.75;
        j.select = JudgeSelection.VALIDATION;
        GuardSpec guard = new GuardSpec();
        guard.minJudgeAccuracy = 0.6;
        TrainingSpec t = training();
        t.simpoGamma = 0.55;
        t.refinement.window = 40;
        t.lora = new LoraSpec();
        t.lora.rank = 16;
        t.lora.alpha = 24.0;
        t.lora.dropout = 0.05;
        t.lora.targetModules = List.of("q_proj", "v_proj");
        return new RoundSpec(RoundSpec.CURRENT_VERSION, new RoundSpec.RunRef("team-a", "zephyr", "uid-1"), 2, 3, 44,
                new RoundSpec.Paths("/workspace", "/workspace/models/sft", "/workspace/runs/team-a/zephyr/iter-1/model",
                        "/workspace/runs/team-a/zephyr/iter-0/model", "/workspace/runs/team-a/zephyr/iter-2"),
                new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 800, 700, "/workspace/data/validation.jsonl"),
                RoundSpec.Generation.of(g), RoundSpec.Judge.of(j, guard), RoundSpec.Training.of(t, 2), RUNTIME);
    }

    static String fullJson() throws IOException {
        try (InputStream in = RoundWireFormatTest.class.getResourceAsStream("/round-full.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    @Test
    void jsonOfASpecWithoutOptionsIsUnchanged() {
        assertEquals(JSON, RoundJson.write(spec()));
    }

    @Test
    void hashOfASpecWithoutOptionsIsUnchanged() {
        assertEquals(HASH, RoundJson.wholeSpecHash(spec()));
        assertEquals(IDENTITY, RoundJson.specHash(spec()));
        assertTrue(RoundJson.sameRound(HASH, spec()), "a result written with the whole spec's hash is still this round");
    }

    @Test
    void theJsonReadsBackToTheSameSpec() throws Exception {
        assertEquals(spec(), RoundJson.readSpec(JSON));
    }

    @Test
    void jsonOfASpecWithEveryFieldSetIsUnchanged() throws IOException {
        assertEquals(List.of(), fullSpec().problems());
        assertEquals(fullJson(), RoundJson.write(fullSpec()));
    }

    @Test
    void hashOfASpecWithEveryFieldSetIsUnchanged() {
        assertEquals(FULL_HASH, RoundJson.wholeSpecHash(fullSpec()));
        assertEquals(FULL_IDENTITY, RoundJson.specHash(fullSpec()));
        assertTrue(RoundJson.sameRound(FULL_HASH, fullSpec()));
    }

    @Test
    void theFullJsonReadsBackToTheSameSpec() throws Exception {
        assertEquals(fullSpec(), RoundJson.readSpec(fullJson()));
    }

    /** {@link #fullSpec()} with the guidance model in both its uses, every guidance setting away from its default. */
    static RoundSpec guidedSpec() {
        RoundSpec full = fullSpec();
        RoundSpec.Judge j = full.judge();
        TrainingSpec t = training();
        t.loss = Loss.GUIDANCE;
        t.guidance = new GuidanceSpec();
        t.guidance.aggregation = GuidanceAggregation.MIN;
        t.guidance.ranking = GuidanceRanking.PAIRWISE;
        t.guidance.learningRate = 2e-5;
        t.guidance.klCoefficient = 0.2;
        t.guidance.epochs = 6;
        return new RoundSpec(full.version(), full.run(), full.iteration(), full.iterations(), full.seed(),
                full.paths().withGuidanceModel("/workspace/runs/team-a/zephyr/iter-1/guidance"), full.data(), full.generation(),
                new RoundSpec.Judge(j.reference(), j.score(), j.dropTies(), j.truncated(), j.lengthControl(), j.minAccuracy(),
                        j.referenceWeight(), j.select(), JudgeKind.GUIDANCE),
                RoundSpec.Training.of(t, 2, true), RUNTIME);
    }

    @Test
    void jsonOfAGuidedSpecIsUnchangedAndReadsBack() throws Exception {
        String golden;
        try (InputStream in = RoundWireFormatTest.class.getResourceAsStream("/round-guided.json")) {
            golden = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        assertEquals(List.of(), guidedSpec().problems());
        assertEquals(golden, RoundJson.write(guidedSpec()));
        assertEquals(guidedSpec(), RoundJson.readSpec(golden));
    }
}
