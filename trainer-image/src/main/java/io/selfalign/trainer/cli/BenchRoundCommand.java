package io.selfalign.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.JudgeReference;
import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.TruncatedResponses;
import io.selfalign.api.v1alpha1.GenerationSpec;
import io.selfalign.api.v1alpha1.GuardSpec;
import io.selfalign.api.v1alpha1.JudgeSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.model.ModelConfig;
import io.selfalign.trainer.round.RoundRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code bench round}: one self-labeling round (iteration 1) end to end on randomly initialised models,
 * timed by the round's own metrics — generation, judging and training tokens/s — and, in the same run,
 * {@code bench model}'s raw runtime numbers for the same config.
 */
@Command(name = "round", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Tokens/s of generation, judging and training inside one SPA round (iteration 1: sample, judge with the",
                "implicit reward against a second random model, train with spa) on a random Llama config, through the",
                "same RoundRunner the round command uses. Medians of --repeats rounds after one warm-up round; then",
                "bench model's numbers for the same config, measured in the same process. Prints Markdown tables."})
final class BenchRoundCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    BenchConfigOptions bench;

    @Option(names = "--prompts", defaultValue = "64", description = "Prompts in the round (default: ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--samples", defaultValue = "2", description = "Responses per prompt, K (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--prompt-tokens", defaultValue = "16", description = "Tokens per prompt (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "48", description = "Max new tokens per response (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--batch-size", defaultValue = "32", description = "Generation batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--train-batch", defaultValue = "32", description = "Pairs per optimizer step (default: ${DEFAULT-VALUE}).")
    int trainBatch;

    @Option(names = "--micro-batch", defaultValue = "16", description = "Pairs per forward/backward (default: ${DEFAULT-VALUE}).")
    int microBatch;

    @Option(names = "--loss", defaultValue = "spa", description = "Training loss (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--lambda", defaultValue = "0.5", description = "DND extrapolation λ for spa; 0 = no frozen reference (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed rounds (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--skip-model-bench", description = "Do not run bench model for comparison.")
    boolean skipModelBench;

    @Override
    public Integer call() throws IOException {
        if (repeats < 1) throw new InputException("--repeats must be >= 1");
        ModelConfig config = bench.config();
        Path ws = Files.createTempDirectory("selfalign-bench-round").toAbsolutePath();
        try {
            RandomCheckpoint.write(config, 1, ws.resolve("models/policy"));
            RandomCheckpoint.write(config, 2, ws.resolve("models/reference"));
            writePrompts(config, ws.resolve("data/prompts.jsonl"));
            String[] names = {"generation tokens/s", "judging tokens/s (2 models, no grad)", "training tokens/s", "round seconds"};
            double[][] values = new double[names.length][repeats];
            for (int r = -1; r < repeats; r++) {
                System.err.println("bench round: " + (r < 0 ? "warm-up round" : "round " + (r + 1) + "/" + repeats));
                RoundResult result = new RoundRunner().run(spec(ws, r), null, new RoundRunner.Options(null, quietStream(), 0, null));
                if (r < 0) continue;
                values[0][r] = result.metrics().get("gen_tokens_per_s");
                values[1][r] = result.metrics().get("judge_tokens_per_s");
                values[2][r] = result.metrics().get("train_tokens_per_s");
                values[3][r] = result.durationSeconds();
            }
            StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                    "| bench round, %s (%.2fM params), %d prompts × K=%d, ≤%d new tokens, loss %s λ=%s | median of %d |%n|---|---:|",
                    bench.size, config.parameterCount() / 1e6, prompts, samples, newTokens, loss, lambda, repeats));
            for (int i = 0; i < names.length; i++) {
                table.append(String.format(Locale.ROOT, "%n| %s | %s |", names[i], format(median(values[i]))));
            }
            System.out.println(table);
        } finally {
            try (Stream<Path> walk = Files.walk(ws)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (skipModelBench) return 0;
        System.out.println();
        return new CommandLine(new BenchModelCommand()).execute("--sizes", bench.size, "--repeats", String.valueOf(repeats),
                "--train-batch", String.valueOf(2 * microBatch), "--prompt-tokens", String.valueOf(promptTokens),
                "--new-tokens", String.valueOf(newTokens), "--vocab", String.valueOf(bench.vocab));
    }

    /** Iteration 1 of a run with the CRD's defaults but for this command's options. */
    private RoundSpec spec(Path ws, int repeat) {
        String w = ws.toString();
        GenerationSpec g = new GenerationSpec();
        g.samplesPerPrompt = samples;
        g.maxNewTokens = newTokens;
        g.batchSize = batchSize;
        JudgeSpec j = new JudgeSpec();
        j.reference = JudgeReference.INITIAL;
        j.score = JudgeScore.SUM;
        j.truncated = TruncatedResponses.KEEP; // a random model seldom ends: keep every response so the round trains
        TrainingSpec t = new TrainingSpec();
        t.loss = Loss.parse(loss, "--loss");
        t.batchSize = trainBatch;
        t.microBatchSize = microBatch;
        t.maxLength = promptTokens + newTokens + 8;
        t.maxPromptLength = promptTokens + 4;
        t.refinement.extrapolation = List.of(lambda);
        return new RoundSpec(RoundSpec.CURRENT_VERSION, new RoundSpec.RunRef("bench", "round", "bench"), 1, 1, 42,
                new RoundSpec.Paths(w, w + "/models/reference", w + "/models/policy", w + "/models/reference", w + "/runs/r" + (repeat + 1) + "/iter-1"),
                new RoundSpec.Data(null, w + "/data/prompts.jsonl", 0, prompts, null),
                RoundSpec.Generation.of(g), RoundSpec.Judge.of(j, new GuardSpec()), RoundSpec.Training.of(t, 1),
                new RoundSpec.Runtime(DeviceKind.CPU, ComputeDtype.FLOAT32, 0, null));
    }

    private void writePrompts(ModelConfig config, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Random rng = new Random(3);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            lines.add(JSON.writeValueAsString(JSON.createObjectNode().put("prompt",
                    RandomCheckpoint.words(rng, config.vocabSize(), promptTokens))));
        }
        Files.write(file, lines);
    }

    private static PrintStream quietStream() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String format(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
