package io.selfalign.api.round;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Pins the exact bytes of {@code round.json} and the spec hash of one fully populated spec, as written
 * before the contract got its enums and builders (the spec was then built positionally with strings): a trainer that finds a finished round from an older
 * operator must recognise it (same hash), and an older trainer must read what a newer operator writes.
 */
class RoundWireFormatTest {
    static final String JSON = "{\"data\":{\"promptCount\":700,\"promptOffset\":800,\"prompts\":\"/workspace/data/prompts.jsonl\",\"seedPreferences\":\"/workspace/data/seed.jsonl\"},\"generation\":{\"batchSize\":32,\"maxNewTokens\":300,\"samplesPerPrompt\":4,\"temperature\":0.7,\"topK\":50,\"topP\":0.95},\"iteration\":2,\"iterations\":3,\"judge\":{\"dropTies\":true,\"reference\":\"previous\",\"score\":\"mean\"},\"paths\":{\"baseModel\":\"/workspace/models/sft\",\"judgeReference\":\"/workspace/models/sft\",\"outputDir\":\"/workspace/runs/team-a/zephyr/iter-2\",\"policyModel\":\"/workspace/runs/team-a/zephyr/iter-1/model\",\"workspace\":\"/workspace\"},\"run\":{\"name\":\"zephyr\",\"namespace\":\"team-a\",\"uid\":\"uid-1\"},\"runtime\":{\"device\":\"gpu\",\"dtype\":\"float16\",\"metricsPort\":9400,\"terminationLog\":\"/dev/termination-log\"},\"seed\":44,\"training\":{\"batchSize\":64,\"beta\":0.1,\"epochs\":2,\"labelSmoothing\":0.15,\"learningRate\":5.0E-7,\"loss\":\"spa\",\"maxGradNorm\":1.5,\"maxLength\":2048,\"maxPromptLength\":1024,\"microBatchSize\":8,\"orpoLambda\":0.2,\"refinement\":{\"alpha\":0.12,\"lambda\":0.375,\"noisyFraction\":0.11,\"warmupFraction\":0.25,\"window\":50},\"schedule\":\"linear\",\"simpoGamma\":0.5,\"warmupRatio\":0.05,\"weightDecay\":0.01},\"version\":1}";
    static final String HASH = "77d28e59c8fdfa631d8381921522ecca5d5f6f2c481bb3e2d8f4c1484e531300";

    /** Every field set, and no two numbers alike, so a swapped pair of fields changes the bytes. */
    static RoundSpec spec() {
        return RoundSpec.builder()
                .run(new RoundSpec.RunRef("team-a", "zephyr", "uid-1"))
                .iteration(2)
                .iterations(3)
                .seed(44)
                .paths(RoundSpec.Paths.builder()
                        .workspace("/workspace")
                        .baseModel("/workspace/models/sft")
                        .policyModel("/workspace/runs/team-a/zephyr/iter-1/model")
                        .judgeReference("/workspace/models/sft")
                        .outputDir("/workspace/runs/team-a/zephyr/iter-2")
                        .build())
                .data(RoundSpec.Data.builder()
                        .seedPreferences("/workspace/data/seed.jsonl")
                        .prompts("/workspace/data/prompts.jsonl")
                        .promptOffset(800)
                        .promptCount(700)
                        .build())
                .generation(RoundSpec.Generation.builder()
                        .samplesPerPrompt(4).temperature(0.7).topP(0.95).topK(50).maxNewTokens(300).batchSize(32).build())
                .judge(new RoundSpec.Judge(JudgeReference.PREVIOUS, JudgeScore.MEAN, true, null, null, null, null, null))
                .training(RoundSpec.Training.builder()
                        .loss(Loss.SPA)
                        .beta(0.1)
                        .learningRate(5e-7)
                        .epochs(2)
                        .batchSize(64)
                        .microBatchSize(8)
                        .warmupRatio(0.05)
                        .schedule(LrSchedule.LINEAR)
                        .maxLength(2048)
                        .maxPromptLength(1024)
                        .weightDecay(0.01)
                        .maxGradNorm(1.5)
                        .labelSmoothing(0.15)
                        .simpoGamma(0.5)
                        .orpoLambda(0.2)
                        .refinement(RoundSpec.Refinement.builder()
                                .alpha(0.12).noisyFraction(0.11).window(50).warmupFraction(0.25).lambda(0.375).build())
                        .build())
                .runtime(new RoundSpec.Runtime(DeviceKind.GPU, ComputeDtype.FLOAT16, 9400, RoundContract.TERMINATION_LOG))
                .build();
    }

    @Test
    void toBuilderCopiesEveryComponent() {
        RoundSpec s = spec();
        assertEquals(s, s.toBuilder().build());
        assertEquals(s.training(), s.training().toBuilder().build());
        assertEquals(s.training().refinement(), s.training().refinement().toBuilder().build());
        assertEquals(s.paths(), s.paths().toBuilder().build());
        assertEquals(s.data(), s.data().toBuilder().build());
        assertEquals(s.generation(), s.generation().toBuilder().build());
    }

    @Test
    void jsonOfAFullSpecIsUnchanged() {
        assertEquals(JSON, RoundJson.write(spec()));
    }

    @Test
    void hashOfAFullSpecIsUnchanged() {
        assertEquals(HASH, RoundJson.specHash(spec()));
    }

    @Test
    void theJsonReadsBackToTheSameSpec() throws Exception {
        assertEquals(spec(), RoundJson.readSpec(JSON));
    }
}
