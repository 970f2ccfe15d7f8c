package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A local workspace for round tests: the tiny-llama fixture as base model, four gold seed pairs and six
 * prompts (one as chat messages), and round specs whose paths live under {@code /workspace}, mapped to
 * the temp folder with {@code --workspace-root}.
 */
final class RoundFixture {
    static final String WS = "/workspace";
    static final String BASE = WS + "/models/base";
    static final String SEED = WS + "/data/seed.jsonl";
    static final String PROMPTS = WS + "/data/prompts.jsonl";

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
        Files.writeString(data.resolve("prompts.jsonl"), """
                {"prompt": "Sort: d c"}
                {"prompt": "Sort: f e g"}
                {"messages": [{"role": "user", "content": "Sort: k j"}]}
                {"prompt": "Sort: t s r"}
                {"prompt": "Sort: w v"}
                {"prompt": "Sort: i h"}
                """);
    }

    static String iterDir(int k) {
        return WS + "/runs/team/demo/iter-" + k;
    }

    /** Iteration k of run team/demo: seed stage (k = 0, one warm-up step) or self-labeling on prompts [3(k−1), 3k) without warm-up. */
    static RoundSpec spec(int k, String loss, double lambda) {
        String policy = k == 0 ? BASE : iterDir(k - 1) + "/model";
        return new RoundSpec(RoundSpec.CURRENT_VERSION, new RoundSpec.RunRef("team", "demo", "uid-1"), k, 2, 7,
                new RoundSpec.Paths(WS, BASE, policy, BASE, iterDir(k)),
                new RoundSpec.Data(SEED, PROMPTS, k == 0 ? 0 : 3L * (k - 1), 3),
                new RoundSpec.Generation(2, 1.0, 1.0, 0, 6, 4),
                new RoundSpec.Judge("initial", "sum", false),
                new RoundSpec.Training(loss, 0.1, 5e-3, k == 0 ? 2 : 1, 2, 1, k == 0 ? 0.1 : 0.0, "cosine", 48, 24, 0.01, 1.0, 0.1, 0.5, 0.1,
                        new RoundSpec.Refinement(0.1, 0.1, 4, 0.2, lambda)),
                new RoundSpec.Runtime("cpu", "float32", 0, null));
    }

    static RoundSpec withOutputDir(RoundSpec s, String outputDir) {
        return new RoundSpec(s.version(), s.run(), s.iteration(), s.iterations(), s.seed(),
                new RoundSpec.Paths(s.paths().workspace(), s.paths().baseModel(), s.paths().policyModel(), s.paths().judgeReference(), outputDir),
                s.data(), s.generation(), s.judge(), s.training(), s.runtime());
    }
}
