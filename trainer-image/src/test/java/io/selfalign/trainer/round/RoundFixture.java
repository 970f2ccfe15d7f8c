package io.selfalign.trainer.round;

import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.JudgeReference;
import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.LengthControl;
import io.selfalign.api.round.LrSchedule;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.TruncatedResponses;
import io.selfalign.trainer.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A local workspace for round tests: the tiny-llama fixture as base model, four gold seed pairs, three
 * held-out validation pairs and six prompts (one as chat messages), and round specs whose paths live under {@code /workspace}, mapped to
 * the temp folder with {@code --workspace-root}.
 */
final class RoundFixture {
    static final String WS = "/workspace";
    static final String BASE = WS + "/models/base";
    static final String SEED = WS + "/data/seed.jsonl";
    static final String PROMPTS = WS + "/data/prompts.jsonl";
    static final String VALIDATION = WS + "/data/validation.jsonl";

    private RoundFixture() {}

    static void populate(Path root) throws IOException {
        Path base = Files.createDirectories(root.resolve("models/base"));
        try (Stream<Path> files = Files.list(Fixtures.dir("tiny-llama"))) {
            for (Path f : files.filter(f -> !f.getFileName().toString().startsWith("expected")).toList()) {
                Files.copy(f, base.resolve(f.getFileName()));
            }
        }
        Path data = Files.createDirectories(root.resolve("data"));
        Files.writeString(data.resolve("seed.jsonl"), """
                {"prompt": "Sort: c a b", "chosen": "a b c", "rejected": "c b a"}
                {"prompt": "Sort: z y", "chosen": "y z", "rejected": "z z y"}
                {"messages": [{"role": "user", "content": "Sort: q p"}], "chosen": "p q", "rejected": "q"}
                {"prompt": "Sort: m o n", "chosen": "m n o", "rejected": "o n m x"}
                """);
        // Held-out gold pairs whose chosen response is always the longer one.
        Files.writeString(data.resolve("validation.jsonl"), """
                {"prompt": "Sort: b a", "chosen": "a b", "rejected": "a"}
                {"prompt": "Sort: e d f", "chosen": "d e f", "rejected": "f"}
                {"prompt": "Sort: h g", "chosen": "g h", "rejected": "h"}
                """);
        Files.writeString(data.resolve("prompts.jsonl"), """
                {"prompt": "Sort: d c"}
                {"prompt": "Sort: f e g"}
                {"messages": [{"role": "user", "content": "Sort: k j"}]}
                {"prompt": "Sort: t s r"}
                {"prompt": "Sort: w v"}
                {"prompt": "Sort: i h"}
                """);
    }

    /** Where a spec path ({@code /workspace/...}) lies under the test's workspace root. */
    static Path local(Path root, String specPath) {
        return root.resolve(Path.of(WS).relativize(Path.of(specPath)).toString());
    }

    static String iterDir(int k) {
        return WS + "/runs/team/demo/iter-" + k;
    }

    /**
     * Iteration k of run team/demo (truncated responses kept: the random fixture model seldom ends a response
     * within maxNewTokens, so excluding them would leave no pairs): seed stage (k = 0, one warm-up step) or self-labeling on
     * prompts [3(k−1), 3k) without warm-up.
     */
    static RoundSpec spec(int k, Loss loss, double lambda) {
        String policy = k == 0 ? BASE : iterDir(k - 1) + "/model";
        return RoundSpec.builder()
                .run(new RoundSpec.RunRef("team", "demo", "uid-1"))
                .iteration(k)
                .iterations(2)
                .seed(7)
                .paths(RoundSpec.Paths.builder()
                        .workspace(WS).baseModel(BASE).policyModel(policy).judgeReference(BASE).outputDir(iterDir(k)).build())
                .data(RoundSpec.Data.builder()
                        .seedPreferences(SEED).prompts(PROMPTS).promptOffset(k == 0 ? 0 : 3L * (k - 1)).promptCount(3)
                        .validationPreferences(VALIDATION).build())
                .generation(RoundSpec.Generation.builder()
                        .samplesPerPrompt(2).temperature(1.0).topP(1.0).topK(0).maxNewTokens(6).batchSize(4).build())
                .judge(new RoundSpec.Judge(JudgeReference.INITIAL, JudgeScore.SUM, false, TruncatedResponses.KEEP, LengthControl.NONE, null, null, null))
                .training(RoundSpec.Training.builder()
                        .loss(loss)
                        .beta(0.1)
                        .learningRate(5e-3)
                        .epochs(k == 0 ? 2 : 1)
                        .batchSize(2)
                        .microBatchSize(1)
                        .warmupRatio(k == 0 ? 0.1 : 0.0)
                        .schedule(LrSchedule.COSINE)
                        .maxLength(48)
                        .maxPromptLength(24)
                        .weightDecay(0.01)
                        .maxGradNorm(1.0)
                        .labelSmoothing(0.1)
                        .simpoGamma(0.5)
                        .orpoLambda(0.1)
                        .refinement(RoundSpec.Refinement.builder()
                                .alpha(0.1).noisyFraction(0.1).window(4).warmupFraction(0.2).lambda(lambda).build())
                        .build())
                .runtime(new RoundSpec.Runtime(DeviceKind.CPU, ComputeDtype.FLOAT32, 0, null))
                .build();
    }

    static RoundSpec withOutputDir(RoundSpec s, String outputDir) {
        return s.toBuilder().paths(s.paths().toBuilder().outputDir(outputDir).build()).build();
    }
}
