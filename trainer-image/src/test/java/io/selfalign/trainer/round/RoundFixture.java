package io.selfalign.trainer.round;

import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.JudgeKind;
import io.selfalign.api.round.JudgeReference;
import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.LengthControl;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.TruncatedResponses;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.api.v1alpha1.GenerationSpec;
import io.selfalign.api.v1alpha1.JudgeSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import io.selfalign.trainer.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.function.Consumer;
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
        return spec(k, loss, lambda, run -> {});
    }

    /** {@link #spec(int, Loss, double)} with the run's settings changed by {@code tweak} before the round is made from them. */
    static RoundSpec spec(int k, Loss loss, double lambda, Consumer<AlignmentRunSpec> tweak) {
        AlignmentRunSpec run = new AlignmentRunSpec();
        GenerationSpec g = run.generation;
        g.samplesPerPrompt = 2;
        g.temperature = 1.0;
        g.topP = 1.0;
        g.topK = 0;
        g.maxNewTokens = 6;
        g.batchSize = 4;
        JudgeSpec j = run.judge;
        j.reference = JudgeReference.INITIAL;
        j.score = JudgeScore.SUM;
        j.truncated = TruncatedResponses.KEEP;
        j.lengthControl = LengthControl.NONE;
        TrainingSpec t = run.training;
        t.loss = loss;
        t.learningRate = 5e-3;
        t.seedEpochs = 2;
        t.epochs = 1;
        t.batchSize = 2;
        t.microBatchSize = 1;
        t.warmupRatio = k == 0 ? 0.1 : 0.0;
        t.maxLength = 48;
        t.maxPromptLength = 24;
        t.weightDecay = 0.01;
        t.refinement.window = 4;
        t.refinement.extrapolation = Collections.nCopies(Math.max(k, 1), lambda);
        tweak.accept(run);
        String policy = k == 0 ? BASE : iterDir(k - 1) + "/model";
        // As RoundSpecFactory: a guidance model when the judge or the loss uses one, round k-1's from iteration 1 on.
        boolean guided = run.judge.kind == JudgeKind.GUIDANCE || run.training.loss == Loss.GUIDANCE;
        return new RoundSpec(RoundSpec.CURRENT_VERSION, new RoundSpec.RunRef("team", "demo", "uid-1"), k, 2, 7,
                new RoundSpec.Paths(WS, BASE, policy, BASE, iterDir(k), guided && k > 0 ? iterDir(k - 1) + "/guidance" : null, null),
                new RoundSpec.Data(SEED, PROMPTS, k == 0 ? 0 : 3L * (k - 1), 3, VALIDATION),
                RoundSpec.Generation.of(run.generation), RoundSpec.Judge.of(run.judge, run.guard), RoundSpec.Training.of(run.training, k, guided),
                new RoundSpec.Runtime(DeviceKind.CPU, ComputeDtype.FLOAT32, 0, null));
    }

    static RoundSpec withOutputDir(RoundSpec s, String outputDir) {
        RoundSpec.Paths p = s.paths();
        return s.withPaths(new RoundSpec.Paths(p.workspace(), p.baseModel(), p.policyModel(), p.judgeReference(), outputDir, p.guidanceModel(),
                p.directionModel()));
    }

    static RoundSpec withData(RoundSpec s, RoundSpec.Data d) {
        return new RoundSpec(s.version(), s.run(), s.iteration(), s.iterations(), s.seed(), s.paths(), d, s.generation(), s.judge(),
                s.training(), s.runtime());
    }

    static RoundSpec withIteration(RoundSpec s, int k) {
        return new RoundSpec(s.version(), s.run(), k, s.iterations(), s.seed(), s.paths(), s.data(), s.generation(), s.judge(),
                s.training(), s.runtime());
    }
}
