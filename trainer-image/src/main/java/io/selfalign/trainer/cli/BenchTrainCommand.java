package io.selfalign.trainer.cli;

import ai.djl.Device;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.LrSchedule;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import io.selfalign.api.round.GuidanceAggregation;
import io.selfalign.api.v1alpha1.GuidanceSpec;
import io.selfalign.trainer.bench.TrainingMemoryEstimate;
import io.selfalign.trainer.guidance.GuidanceFit;
import io.selfalign.trainer.guidance.GuidanceModel;
import io.selfalign.trainer.guidance.RankedList;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.loss.Losses;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.LoraAdapters;
import io.selfalign.trainer.model.ModelConfig;
import io.selfalign.trainer.train.PreferenceTrainer;
import io.selfalign.trainer.train.TokenizedPair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench train}: peak memory, step time and loss curve of preference training, full or LoRA, on a random
 * Llama config and random token pairs (the same pairs for a seed), next to {@link TrainingMemoryEstimate}'s
 * prediction. Run it once per mode: the peak RSS is the whole process's, so two modes in one process would mix.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Preference training (spa with lambda 0.5 by default, so full training keeps a frozen reference copy)",
                "of a random Llama config on random token pairs, full or with --lora RANK, through the round's PreferenceTrainer",
                "on CPU in float32: trainable parameters, RSS before training, whole-process peak RSS, median step time and the",
                "loss of every step, with the memory model's prediction (docs/memory.md). One mode per process.",
                "--guidance fits a guidance model (the config's decoder copied, with a one-output token head) to the same pairs",
                "instead, as a round of judge.kind or loss guidance does before its policy trains (docs/algorithm.md section 6).",
                "--estimate prints the memory model for 0.5B / 7B / 13B float16 instead."})
final class BenchTrainCommand implements Callable<Integer> {
    @Mixin
    BenchConfigOptions bench;

    @Option(names = "--lora", defaultValue = "0", description = "LoRA rank on every projection, alpha 2*rank; 0 trains every weight (default: ${DEFAULT-VALUE}).")
    int loraRank;

    @Option(names = "--loss", defaultValue = "spa", description = "spa (lambda 0.5) or dpo (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--pairs", defaultValue = "16", description = "Preference pairs (default: ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs over the pairs: random pairs are only learnt by seeing them again (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "8", description = "Pairs per optimizer step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--micro-batch", defaultValue = "4", description = "Pairs per forward/backward (default: ${DEFAULT-VALUE}).")
    int microBatch;

    @Option(names = "--prompt-tokens", defaultValue = "16", description = "Tokens per prompt (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--response-tokens", defaultValue = "48", description = "Tokens per response (default: ${DEFAULT-VALUE}).")
    int responseTokens;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Learning rate, constant (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the model, the pairs and the adapters (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--estimate", description = "Print the memory model for 0.5B / 7B / 13B float16 and exit.")
    boolean estimate;

    @Option(names = "--guidance", description = "Fit a guidance model to the pairs (Bradley-Terry on mean token scores, learning "
            + "rate --lr) beside the policy, instead of training the policy: the guidance model's cost per round.")
    boolean guidance;

    @Override
    public Integer call() throws IOException {
        if (estimate) {
            System.out.println(TrainingMemoryEstimate.paperSizesTable());
            return 0;
        }
        if (!loss.equals("spa") && !loss.equals("dpo")) throw new InputException("--loss: spa or dpo, got " + loss);
        if (pairs < 1 || epochs < 1 || batch < 1 || microBatch < 1 || batch % microBatch != 0) {
            throw new InputException("--pairs, --epochs, --batch, --micro-batch: >= 1, and --micro-batch must divide --batch");
        }
        ModelConfig config = bench.config();
        RoundSpec.Training training = training();
        List<PreferenceTrainer.StepMetrics> steps = new ArrayList<>();
        long rssBefore;
        long adapterParameters = 0;
        if (guidance) return guidanceFit(config, training);
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), seed)) {
            if (loraRank > 0) {
                adapterParameters = LoraAdapters.attach(model, loraRank, 2.0 * loraRank, 0, RoundSpec.Lora.MODULES, seed)
                        .parameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
            }
            rssBefore = ProcessMemory.rssMiB();
            new PreferenceTrainer(model, 0, Losses.forRound(training), training, seed).train(pairs(config), steps::add);
        }
        long peak = ProcessMemory.peakRssMiB();
        TrainingMemoryEstimate predicted = TrainingMemoryEstimate.of(config, adapterParameters, false,
                training.loss() == Loss.SPA, 2 * microBatch, promptTokens + responseTokens);
        // The first step also warms the engine up.
        double[] perStep = steps.stream().skip(1).mapToDouble(s -> s.tokens() / s.tokensPerSecond()).sorted().toArray();
        String mode = loraRank > 0 ? "LoRA r=" + loraRank : "full";
        System.out.println("| " + bench.size + " " + mode + " (" + loss + ") | value |\n|---|---:|");
        row("parameters", String.format(Locale.ROOT, "%.2fM", config.parameterCount() / 1e6));
        row("trained parameters", String.format(Locale.ROOT, "%.3fM", (loraRank > 0 ? adapterParameters : config.parameterCount()) / 1e6));
        row("RSS before training (MiB)", String.valueOf(rssBefore));
        row("peak RSS, whole process (MiB)", String.valueOf(peak));
        row("peak − before (MiB)", String.valueOf(peak - rssBefore));
        // The weights are in the RSS before training; the rest is what training adds.
        row("predicted peak − before (MiB)", mib(predicted.total() - predicted.weights()) + " (training state "
                + mib(predicted.trainingState()) + ", reference " + mib(predicted.reference()) + ", activations "
                + mib(predicted.activations()) + "; weights " + mib(predicted.weights()) + " already in the RSS before)");
        row("median step time after the first (s)", perStep.length == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", perStep[perStep.length / 2]));
        row("loss per step", steps.stream().map(s -> String.format(Locale.ROOT, "%.4f", s.loss())).collect(Collectors.joining(" ")));
        return 0;
    }

    /** The guidance model's fit on the pairs, with the policy it is copied from still in memory (as in a round). */
    private int guidanceFit(ModelConfig config, RoundSpec.Training training) throws IOException {
        long rssBefore;
        GuidanceFit.Summary s;
        try (DecoderModel policy = DecoderModel.random(config, Device.cpu(), seed);
             GuidanceModel g = GuidanceModel.fromPolicy(policy, GuidanceAggregation.MEAN, 0)) {
            rssBefore = ProcessMemory.rssMiB();
            List<RankedList> lists = pairs(config).stream().map(p -> new RankedList(p.prompt(), List.of(p.chosen(), p.rejected()))).toList();
            s = new GuidanceFit(g, training, seed).fit(lists);
        }
        long peak = ProcessMemory.peakRssMiB();
        System.out.println("| " + bench.size + " guidance fit | value |\n|---|---:|");
        row("parameters (decoder + token head)", String.format(Locale.ROOT, "%.2fM", config.withLabels(1).parameterCount() / 1e6));
        row("RSS before fitting, policy and guidance model built (MiB)", String.valueOf(rssBefore));
        row("peak RSS, whole process (MiB)", String.valueOf(peak));
        row("peak − before (MiB)", String.valueOf(peak - rssBefore));
        row("steps, lists", s.steps() + ", " + s.lists() + " × " + epochs + " epochs");
        row("seconds, mean per step", String.format(Locale.ROOT, "%.1f, %.2f", s.seconds(), s.seconds() / s.steps()));
        row("loss mean, final", String.format(Locale.ROOT, "%.4f, %.4f", s.lossMean(), s.lossFinal()));
        return 0;
    }

    private static void row(String name, String value) {
        System.out.println("| " + name + " | " + value + " |");
    }

    private static long mib(long bytes) {
        return Math.round(bytes / (1024.0 * 1024.0));
    }

    /** The CRD's training defaults but for this command's options, as iteration 1 of a run trains. */
    private RoundSpec.Training training() {
        TrainingSpec t = new TrainingSpec();
        t.loss = loss.equals("spa") ? Loss.SPA : Loss.DPO;
        t.learningRate = learningRate;
        t.epochs = epochs;
        t.batchSize = batch;
        t.microBatchSize = microBatch;
        t.warmupRatio = 0;
        t.schedule = LrSchedule.CONSTANT;
        t.maxLength = promptTokens + responseTokens;
        t.maxPromptLength = promptTokens;
        t.refinement.window = 8;
        t.refinement.extrapolation = List.of(t.loss == Loss.SPA ? 0.5 : 0.0);
        t.guidance = new GuidanceSpec();
        t.guidance.learningRate = learningRate;
        return RoundSpec.Training.of(t, 1, guidance);
    }

    /** Random pairs of full length, the same for a seed whatever the mode. */
    private List<TokenizedPair> pairs(ModelConfig config) {
        Random rng = new Random(seed);
        List<TokenizedPair> out = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            out.add(new TokenizedPair(tokens(rng, promptTokens, config), tokens(rng, responseTokens, config), tokens(rng, responseTokens, config)));
        }
        return out;
    }

    private static long[] tokens(Random rng, int n, ModelConfig config) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) t[i] = 1 + rng.nextInt(config.vocabSize() - 1);
        return t;
    }
}
