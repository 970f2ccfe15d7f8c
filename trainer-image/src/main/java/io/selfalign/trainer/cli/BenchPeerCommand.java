package io.selfalign.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.LrSchedule;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.TruncatedResponses;
import io.selfalign.api.v1alpha1.GenerationSpec;
import io.selfalign.api.v1alpha1.GuardSpec;
import io.selfalign.api.v1alpha1.JudgeSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.Jsonl;
import io.selfalign.trainer.generate.Generator;
import io.selfalign.trainer.generate.SamplingParams;
import io.selfalign.trainer.loss.Losses;
import io.selfalign.trainer.round.RoundRunner;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import io.selfalign.trainer.train.PreferenceTrainer;
import io.selfalign.trainer.train.TokenizedPair;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bench peer}: the trainer's side of the side-by-side measurement against Hugging Face transformers/TRL
 * (bench/peer in the repository). Each task does, on the given checkpoint and data file, the same work as the
 * peer's script of that name, and prints one JSON line: tokens, median seconds, tokens/s, whole-process peak RSS.
 */
@Command(name = "peer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The trainer's side of bench/peer/side-by-side.sh: one workload on a checkpoint and a data file, timed",
                "in this process, printed as one JSON line (tokens, median seconds, tokens/s, peak RSS; generate and score also",
                "CPU seconds, which count the work when the cores are shared). TASK is one of:",
                "  generate  sample --new-tokens tokens (T=0.7, KV cache, EOS ignored) for batches of --batch-size prompts;",
                "            --data rows {\"prompt\"}; tokens = generated tokens",
                "  score     summed log-prob of each response (EOS appended), --batch-size rows a forward pass;",
                "            --data rows {\"prompt\", \"response\"}; tokens = prompt + response tokens",
                "  dpo       DPO (beta 0.1, reference log-probs computed once before training), --batch-size pairs a step,",
                "            --epochs epochs; --data rows {\"prompt\", \"chosen\", \"rejected\"}; the median step after the first",
                "  round     one SPA round through RoundRunner, as the round command runs it: --samples answers per prompt,",
                "            judged by the policy's mean log-prob, best vs worst, DPO one epoch; --data rows {\"prompt\"}",
                "generate and score time --repeats passes over all rows after one warm-up pass; round runs once.",
                "Example: bench peer score --model m3 --data score.jsonl --batch-size 32"})
final class BenchPeerCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "TASK", description = "generate, score, dpo or round.")
    String task;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--data", required = true, paramLabel = "FILE.jsonl", description = "Rows of the task (see above).")
    Path data;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "B",
            description = "Sequences per forward pass (generate, score, round's generation), pairs per step (dpo, round) (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--micro-batch", defaultValue = "16", description = "Pairs per forward/backward in dpo and round (default: ${DEFAULT-VALUE}).")
    int microBatch;

    @Option(names = "--new-tokens", defaultValue = "48", description = "New tokens per sequence, generate and round (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--samples", defaultValue = "4", description = "Answers per prompt in round, K (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs of dpo (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed passes of generate and score (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1 || microBatch < 1 || newTokens < 1 || samples < 2 || epochs < 1 || repeats < 1) {
            throw new InputException("--batch-size, --micro-batch, --new-tokens, --epochs, --repeats must be >= 1, --samples >= 2");
        }
        List<JsonNode> rows = Jsonl.readAll(data, (row, index, line) -> row);
        if (rows.isEmpty()) throw new InputException(data + ": no rows");
        ObjectNode out = JSON.createObjectNode().put("side", "trainer").put("task", task);
        switch (task) {
            case "generate" -> generate(rows, out);
            case "score" -> score(rows, out);
            case "dpo" -> dpo(rows, out);
            case "round" -> round(rows, out);
            default -> throw new InputException("TASK: generate, score, dpo or round, got '" + task + "'");
        }
        out.put("peak_rss_mib", ProcessMemory.peakRssMiB());
        System.out.println(JSON.writeValueAsString(out));
        return 0;
    }

    private void generate(List<JsonNode> rows, ObjectNode out) throws IOException {
        try (LanguageModel lm = modelOptions.load()) {
            List<long[]> prompts = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) prompts.add(lm.encodePrompt(text(rows, i, "prompt")));
            // No EOS: every sequence generates --new-tokens tokens, as the peer's min_new_tokens makes it.
            Generator generator = new Generator(lm.model(), lm.padId(), Set.of());
            SamplingParams params = SamplingParams.sample(0.7, 1.0, 0, newTokens, batchSize);
            timed(out, (long) prompts.size() * newTokens, () -> generator.generate(prompts, params, 1));
        }
    }

    private void score(List<JsonNode> rows, ObjectNode out) throws IOException {
        try (LanguageModel lm = modelOptions.load()) {
            List<ScoringBatch.Pair> pairs = new ArrayList<>();
            long tokens = 0;
            for (int i = 0; i < rows.size(); i++) {
                ScoringBatch.Pair p = new ScoringBatch.Pair(lm.encodePrompt(text(rows, i, "prompt")), lm.encodeResponse(text(rows, i, "response")));
                pairs.add(p);
                tokens += p.prompt().length + p.response().length;
            }
            double[] checksum = new double[1];
            timed(out, tokens, () -> checksum[0] = SequenceScorer.score(lm.model(), pairs, lm.padId(), batchSize).stream()
                    .mapToDouble(SequenceScorer.Score::sum).sum());
            // The peer prints the same sum: equal work, equal numbers (float32 sums of thousands of terms: ~1e-5 relative).
            out.put("logp_total", checksum[0]);
        }
    }

    private void dpo(List<JsonNode> rows, ObjectNode out) throws IOException {
        try (LanguageModel lm = modelOptions.load()) {
            List<TokenizedPair> pairs = new ArrayList<>();
            int longest = 0;
            int longestPrompt = 0;
            for (int i = 0; i < rows.size(); i++) {
                TokenizedPair p = new TokenizedPair(lm.encodePrompt(text(rows, i, "prompt")),
                        lm.encodeResponse(text(rows, i, "chosen")), lm.encodeResponse(text(rows, i, "rejected")));
                pairs.add(p);
                longestPrompt = Math.max(longestPrompt, p.prompt().length);
                longest = Math.max(longest, p.prompt().length + Math.max(p.chosen().length, p.rejected().length));
            }
            RoundSpec.Training training = dpoTraining(epochs, longest, longestPrompt);
            List<PreferenceTrainer.StepMetrics> steps = new ArrayList<>();
            new PreferenceTrainer(lm.model(), lm.padId(), Losses.forRound(training), training, 1).train(pairs, steps::add);
            if (steps.size() < 2) throw new InputException("dpo: needs at least 2 steps (the first warms up); add rows or --epochs");
            // The first step also warms the engine up.
            double[] seconds = steps.stream().skip(1).mapToDouble(s -> s.tokens() / s.tokensPerSecond()).sorted().toArray();
            double median = seconds[seconds.length / 2];
            long tokens = steps.get(1).tokens();
            out.put("tokens", tokens).put("seconds", median).put("tokens_per_s", tokens / median).put("steps", steps.size());
        }
    }

    /** DPO as the peer's TRL configuration: β 0.1, constant learning rate, no warm-up, clipping at 1. */
    private RoundSpec.Training dpoTraining(int epochCount, int maxLength, int maxPromptLength) {
        TrainingSpec t = new TrainingSpec();
        t.loss = Loss.DPO;
        t.learningRate = 1e-5;
        t.epochs = epochCount;
        t.batchSize = batchSize;
        t.microBatchSize = Math.min(microBatch, batchSize);
        t.warmupRatio = 0;
        t.schedule = LrSchedule.CONSTANT;
        t.maxLength = maxLength;
        t.maxPromptLength = maxPromptLength;
        t.refinement.extrapolation = List.of(0.0);
        return RoundSpec.Training.of(t, 1);
    }

    /**
     * One round in a workspace that holds the checkpoint and the prompts (a round refuses paths outside its
     * workspace): their closest common folder. Its output goes to a fresh folder there, removed afterwards.
     */
    private void round(List<JsonNode> rows, ObjectNode out) throws IOException {
        Path model = modelOptions.model.toAbsolutePath().normalize();
        Path prompts = data.toAbsolutePath().normalize();
        Path ws = model;
        while (!prompts.startsWith(ws)) ws = ws.getParent();
        Path output = Files.createTempDirectory(ws, "bench-peer-round");
        try {
            int promptTokens = 0;
            GenerationSpec g = new GenerationSpec();
            g.samplesPerPrompt = samples;
            g.maxNewTokens = newTokens;
            g.batchSize = batchSize;
            JudgeSpec j = new JudgeSpec(); // the default: the policy's mean log-prob, no reference model
            j.truncated = TruncatedResponses.KEEP; // a random model seldom ends: keep every answer, as the peer does
            try (LanguageModel lm = modelOptions.load()) {
                for (int i = 0; i < rows.size(); i++) {
                    promptTokens = Math.max(promptTokens, lm.encodePrompt(text(rows, i, "prompt")).length);
                }
            }
            RoundSpec.Training training = dpoTraining(1, promptTokens + newTokens + 1, promptTokens);
            RoundSpec spec = new RoundSpec(RoundSpec.CURRENT_VERSION, new RoundSpec.RunRef("bench", "peer", "bench"), 1, 1, 42,
                    new RoundSpec.Paths(ws.toString(), model.toString(), model.toString(), null, output.resolve("iter-1").toString()),
                    new RoundSpec.Data(null, prompts.toString(), 0, rows.size(), null),
                    RoundSpec.Generation.of(g), RoundSpec.Judge.of(j, new GuardSpec()), training,
                    new RoundSpec.Runtime(DeviceKind.CPU, ComputeDtype.FLOAT32, 0, null));
            RoundResult result = new RoundRunner().run(spec, null,
                    new RoundRunner.Options(null, new PrintStream(OutputStream.nullOutputStream()), 0, null));
            out.put("seconds", result.durationSeconds());
            for (String metric : List.of("gen_tokens_per_s", "judge_tokens_per_s", "train_tokens_per_s", "pairs", "response_length_mean")) {
                out.put(metric, result.metrics().get(metric));
            }
        } finally {
            try (Stream<Path> walk = Files.walk(output)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * One warm-up run, then the medians of --repeats timed runs into {@code out}: wall seconds, and the process's CPU
     * seconds, which tell the work done even when the machine's cores are shared (wall time then mostly waits).
     */
    private void timed(ObjectNode out, long tokens, Runnable run) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        run.run();
        double[] seconds = new double[repeats];
        double[] cpu = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            long cpuStart = os.getProcessCpuTime();
            run.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
            cpu[i] = (os.getProcessCpuTime() - cpuStart) / 1e9;
        }
        Arrays.sort(seconds);
        Arrays.sort(cpu);
        double median = seconds[repeats / 2];
        out.put("tokens", tokens).put("seconds", median).put("tokens_per_s", tokens / median)
                .put("cpu_seconds", cpu[repeats / 2]).put("tokens_per_cpu_s", tokens / cpu[repeats / 2]);
    }

    private String text(List<JsonNode> rows, int i, String field) {
        JsonNode v = rows.get(i).get(field);
        if (v == null || !v.isTextual()) throw new InputException(data + ": row " + (i + 1) + ": needs the string field '" + field + "'");
        return v.asText();
    }
}
