package io.selfalign.trainer.cli;

import io.selfalign.api.round.JudgeScore;
import io.selfalign.trainer.bench.AlignmentBench;
import io.selfalign.trainer.bench.Arm;
import io.selfalign.trainer.bench.BenchReport;
import io.selfalign.trainer.bench.BenchSettings;
import io.selfalign.trainer.bench.StageResult;
import io.selfalign.trainer.keysort.KeySortSizes;
import io.selfalign.trainer.keysort.KeySortTask;
import io.selfalign.trainer.keysort.SftTrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench alignment}: the SPA paper's table in miniature, on KeySort with a known gold reward. */
@Command(name = "alignment", mixinStandardHelpOptions = true,
        description = {"Runs the arms of docs/algorithm.md section 8 on the synthetic tasks (--tasks: keysort, and keyecho, whose "
                + "teacher usually repeats its last key, a habit the gold reward penalises), from the same SFT checkpoint per task and "
                + "seed, through the real round engine, and evaluates every stage with the gold reward:",
                "  sft, dpo-seed (200 gold pairs), dpo-100%% (gold pairs for the pool but its 200 validation pairs), spa "
                + "(iterations 1-3 with the paper's judge: implicit reward, K=2, refinement + DND), spa-free (reference-free mean "
                + "log-prob, best and worst of 4), spa-select (the reference weight chosen each round on the validation pairs: "
                + "judge.select validation), spa-α=0 (data expansion only), spa-λ=0 (refinement without DND), oracle-judge (the "
                + "SPA loop judged by the gold reward; with --oracle); on request the judge options spa-ratio (mean log-ratio to "
                + "the SFT model), spa-mix (reference weight 0.5), spa-select-reg, spa-keep, spa-regress, spa-match, spa-previous.",
                "Prints a table per task (gold win-rate vs SFT samples with ties ½, mean gold reward, length, habit share, KL "
                + "estimate, judge and validation accuracy on the held-out pairs, self-label accuracy overall / by length relation "
                + "/ on habit pairs / flagged / unflagged, truncation) and writes bench.csv, table.txt and winrate-<task>.png "
                + "to --out. A rerun with the same --out resumes: finished rounds are not recomputed.",
                "On a machine whose cores are shared, run with -Dai.djl.pytorch.num_threads=1 (see docs/benchmark-alignment.md)."})
public final class AlignmentBenchCommand implements Callable<Integer> {
    /** 1 seed, arms 1–4, a smaller pool: a few minutes on 2 cores. */
    static final KeySortSizes QUICK_SIZES = new KeySortSizes(6_000, 200, new int[] {600, 600, 600}, 300);

    @Option(names = "--quick", description = "1 seed, arms sft/dpo-seed/dpo-100%%/spa/spa-free/spa-select, 6,000 SFT demos, slices of 600, "
            + "300 test prompts.")
    boolean quick;

    @Option(names = "--seeds", description = "Number of seeds (data + init), 0..N-1 (default: 3, or 1 with --quick).")
    Integer seeds;

    @Option(names = "--seed-list", split = ",", paramLabel = "SEED",
            description = "These seeds instead of 0..N-1, e.g. 3,4,5: seeds nobody tuned on.")
    List<Long> seedList;

    @Option(names = "--tasks", split = ",", paramLabel = "TASK", defaultValue = "keysort,keyecho",
            description = "Tasks to run, each with its own data, SFT model and table rows: keysort (the teacher's noise is random, "
                    + "so the SFT model's likeliest answer is right) and keyecho (the teacher usually repeats its last key, a habit the "
                    + "gold reward penalises; only the seed pairs teach against it) (default: ${DEFAULT-VALUE}).")
    List<String> taskLabels;

    @Option(names = "--out", defaultValue = "bench-alignment", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--oracle", description = "Also run arm 7, the SPA loop with the gold-reward judge.")
    boolean oracle;

    @Option(names = "--arms", split = ",", paramLabel = "ARM",
            description = "Run only these arms (labels as in the table, e.g. dpo-seed,dpo-100%%,spa); sft is always evaluated.")
    List<String> armLabels;

    @Option(names = "--lr", defaultValue = "5e-5", description = "Preference-training learning rate of every stage (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed-epochs", defaultValue = "3", description = "Epochs of the DPO seed stage (default: ${DEFAULT-VALUE}).")
    int seedEpochs;

    @Option(names = "--iteration-epochs", defaultValue = "1",
            description = "Epochs of each SPA iteration over its self-labelled pairs (default: ${DEFAULT-VALUE}).")
    int iterationEpochs;

    @Option(names = "--samples", defaultValue = "2",
            description = "Responses sampled per prompt in SPA iterations; best and worst by the judge become the pair "
                    + "(default: ${DEFAULT-VALUE}; spa-match uses at least 4).")
    int samples;

    @Option(names = "--judge-score", defaultValue = "sum",
            description = "Implicit-reward judge score: sum (SPA) or mean (length-normalised) response log-prob (default: ${DEFAULT-VALUE}).")
    String judgeScore;

    @Option(names = "--min-judge-accuracy", paramLabel = "ACC",
            description = "The guard (spec.guard.minJudgeAccuracy) for the iterating arms, e.g. 0.6: a round whose judge is below it on "
                    + "the validation pairs does not train, and the arm stops there (default: off).")
    Double minJudgeAccuracy;

    @Option(names = "--stop-on-decline",
            description = "The decline guard (spec.guard.stopOnDecline) for the iterating arms: after a stage whose model orders the "
                    + "validation pairs significantly worse than an earlier stage's, the arm stops (default: off).")
    boolean stopOnDecline;

    @Option(names = "--guidance-lr", defaultValue = "5e-5",
            description = "Learning rate of the guidance model's fit in the guided arms (training.guidance.learningRate; default: ${DEFAULT-VALUE}).")
    double guidanceLearningRate;

    @Option(names = "--guidance-epochs",
            description = "Epochs of each fit of the guidance model in the guided arms (training.guidance.epochs; default: the round's, "
                    + "3 in the seed stage and 1 after).")
    Integer guidanceEpochs;

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        if (!(learningRate > 0)) throw new IllegalArgumentException("--lr: must be > 0, got " + learningRate);
        if (!(guidanceLearningRate > 0)) throw new IllegalArgumentException("--guidance-lr: must be > 0, got " + guidanceLearningRate);
        if (guidanceEpochs != null && guidanceEpochs < 1) throw new IllegalArgumentException("--guidance-epochs: must be >= 1, got " + guidanceEpochs);
        if (seedEpochs < 1) throw new IllegalArgumentException("--seed-epochs: must be >= 1, got " + seedEpochs);
        if (iterationEpochs < 1) throw new IllegalArgumentException("--iteration-epochs: must be >= 1, got " + iterationEpochs);
        if (samples < 2) throw new IllegalArgumentException("--samples: must be >= 2, got " + samples);
        if (seeds != null && seedList != null) throw new IllegalArgumentException("--seeds and --seed-list: give one of them");
        int count = seeds != null ? seeds : quick ? 1 : 3;
        if (count < 1) throw new IllegalArgumentException("--seeds: must be >= 1, got " + count);
        List<Long> seedValues = seedList != null ? List.copyOf(seedList) : java.util.stream.LongStream.range(0, count).boxed().toList();
        int n = seedValues.size();
        List<Arm> arms = new ArrayList<>(quick ? List.of(Arm.SFT, Arm.DPO_SEED, Arm.DPO_ALL, Arm.SPA, Arm.SPA_REFERENCE_FREE, Arm.SPA_SELECT)
                : List.of(Arm.SFT, Arm.DPO_SEED, Arm.DPO_ALL, Arm.SPA, Arm.SPA_REFERENCE_FREE, Arm.SPA_SELECT, Arm.SPA_NO_REFINEMENT,
                        Arm.SPA_NO_DND));
        if (oracle) arms.add(Arm.ORACLE);
        if (armLabels != null) arms = armLabels.stream().map(Arm::byLabel).toList();
        BenchSettings defaults = BenchSettings.defaults();
        if (minJudgeAccuracy != null && !(minJudgeAccuracy >= 0 && minJudgeAccuracy <= 1)) {
            throw new IllegalArgumentException("--min-judge-accuracy: must be in [0, 1], got " + minJudgeAccuracy);
        }
        BenchSettings settings = new BenchSettings(learningRate, seedEpochs, iterationEpochs, samples, defaults.allGoldEpochs(), defaults.iterations(), defaults.evalBatch(),
                JudgeScore.parse(judgeScore, "--judge-score"), minJudgeAccuracy, stopOnDecline, guidanceLearningRate, guidanceEpochs);
        KeySortSizes sizes = quick ? QUICK_SIZES : KeySortSizes.FULL;
        List<KeySortTask> tasks = taskLabels.stream().distinct().map(t -> KeySortTask.byLabel(t, "--tasks")).toList();
        Files.createDirectories(out);
        System.err.printf(Locale.ROOT, "bench alignment: tasks %s, seeds %s, arms %s, sizes %s, lr %.1e, seed epochs %d, iteration epochs %d, samples %d, "
                        + "judge score %s, validation pairs %d, guard %s, out %s%n",
                taskLabels, seedValues, arms.stream().map(Arm::label).toList(), sizes, learningRate, seedEpochs, iterationEpochs, samples, judgeScore,
                sizes.validationPairs(), (minJudgeAccuracy == null ? "off" : minJudgeAccuracy) + (stopOnDecline ? ", stop on decline" : ""),
                out.toAbsolutePath());
        long start = System.nanoTime();
        List<StageResult> results = new AlignmentBench(
                new AlignmentBench.Options(tasks, arms, seedValues, sizes, SftTrainer.Options.of(0), settings, out), System.err).run();
        double minutes = (System.nanoTime() - start) / 60e9;
        String table = BenchReport.table(results) + "\n" + BenchReport.recommended(results);
        System.out.print(table);
        System.out.printf(Locale.ROOT, "%d seed(s), %.1f minutes; WR = gold win-rate (%%) of one sample per test prompt against an SFT"
                + " sample, ties ½; judge acc = the round's judge on the %d held-out gold pairs, val acc = the stage's trained model as"
                + " the next judge on them; label acc = self-label accuracy of the round's judged pairs (gold ties excluded), split by"
                + " whether the chosen response is longer, as long or shorter; longer%% = share of pairs whose chosen is longer;"
                + " trunc%% = candidates cut before EOS%n", n, minutes, sizes.validationPairs());
        Files.writeString(out.resolve("table.txt"), table, StandardCharsets.UTF_8);
        BenchReport.writeCsv(results, out.resolve("bench.csv"));
        List<String> wrote = new ArrayList<>(List.of(out.resolve("bench.csv").toString(), out.resolve("table.txt").toString()));
        for (KeySortTask task : tasks) {
            Path png = out.resolve("winrate-" + task.label() + ".png");
            BenchReport.writePlot(results, task.label(), png);
            wrote.add(png.toString());
        }
        System.out.println("wrote " + String.join(", ", wrote));
        return 0;
    }
}
