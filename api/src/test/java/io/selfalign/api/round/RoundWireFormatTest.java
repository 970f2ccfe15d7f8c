package io.selfalign.api.round;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Pins the exact bytes of {@code round.json} and the spec hash of one fully populated spec, as written
 * before the contract got its enums and builders: a trainer that finds a finished round from an older
 * operator must recognise it (same hash), and an older trainer must read what a newer operator writes.
 */
class RoundWireFormatTest {
    static final String JSON = "{\"data\":{\"promptCount\":700,\"promptOffset\":800,\"prompts\":\"/workspace/data/prompts.jsonl\",\"seedPreferences\":\"/workspace/data/seed.jsonl\"},\"generation\":{\"batchSize\":32,\"maxNewTokens\":300,\"samplesPerPrompt\":4,\"temperature\":0.7,\"topK\":50,\"topP\":0.95},\"iteration\":2,\"iterations\":3,\"judge\":{\"dropTies\":true,\"reference\":\"previous\",\"score\":\"mean\"},\"paths\":{\"baseModel\":\"/workspace/models/sft\",\"judgeReference\":\"/workspace/models/sft\",\"outputDir\":\"/workspace/runs/team-a/zephyr/iter-2\",\"policyModel\":\"/workspace/runs/team-a/zephyr/iter-1/model\",\"workspace\":\"/workspace\"},\"run\":{\"name\":\"zephyr\",\"namespace\":\"team-a\",\"uid\":\"uid-1\"},\"runtime\":{\"device\":\"gpu\",\"dtype\":\"float16\",\"metricsPort\":9400,\"terminationLog\":\"/dev/termination-log\"},\"seed\":44,\"training\":{\"batchSize\":64,\"beta\":0.1,\"epochs\":2,\"labelSmoothing\":0.15,\"learningRate\":5.0E-7,\"loss\":\"spa\",\"maxGradNorm\":1.5,\"maxLength\":2048,\"maxPromptLength\":1024,\"microBatchSize\":8,\"orpoLambda\":0.2,\"refinement\":{\"alpha\":0.12,\"lambda\":0.375,\"noisyFraction\":0.11,\"warmupFraction\":0.25,\"window\":50},\"schedule\":\"linear\",\"simpoGamma\":0.5,\"warmupRatio\":0.05,\"weightDecay\":0.01},\"version\":1}";
    static final String HASH = "77d28e59c8fdfa631d8381921522ecca5d5f6f2c481bb3e2d8f4c1484e531300";

    /** Every field set, and no two numbers alike, so a swapped pair of fields changes the bytes. */
    static RoundSpec spec() {
        return new RoundSpec(RoundSpec.CURRENT_VERSION,
                new RoundSpec.RunRef("team-a", "zephyr", "uid-1"), 2, 3, 44,
                new RoundSpec.Paths("/workspace", "/workspace/models/sft", "/workspace/runs/team-a/zephyr/iter-1/model",
                        "/workspace/models/sft", "/workspace/runs/team-a/zephyr/iter-2"),
                new RoundSpec.Data("/workspace/data/seed.jsonl", "/workspace/data/prompts.jsonl", 800, 700),
                new RoundSpec.Generation(4, 0.7, 0.95, 50, 300, 32),
                new RoundSpec.Judge("previous", "mean", true),
                new RoundSpec.Training("spa", 0.1, 5e-7, 2, 64, 8, 0.05, "linear", 2048, 1024, 0.01, 1.5, 0.15, 0.5, 0.2,
                        new RoundSpec.Refinement(0.12, 0.11, 50, 0.25, 0.375)),
                new RoundSpec.Runtime("gpu", "float16", 9400, "/dev/termination-log"));
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
