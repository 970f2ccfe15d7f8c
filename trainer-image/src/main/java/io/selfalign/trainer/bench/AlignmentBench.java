package io.selfalign.trainer.bench;

import ai.djl.Device;
import io.selfalign.api.round.BestRound;
import io.selfalign.api.round.Guard;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.keysort.KeySortPreparer;
import io.selfalign.trainer.keysort.KeySortSizes;
import io.selfalign.trainer.keysort.KeySortTask;
import io.selfalign.trainer.keysort.SftTrainer;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.round.RoundOutput;
import io.selfalign.trainer.round.RoundRunner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alignment benchmark of docs/algorithm.md §8: per seed, a KeySort instance and its SFT model, then every
 * arm from that SFT checkpoint through the real round engine (in-process {@link RoundRunner}, real
 * RoundSpecs), each stage evaluated on the held-out test prompts against the gold reward.
 *
 * <p>Rounds are idempotent, so an interrupted benchmark rerun with the same output directory resumes: a
 * finished round reports its stored result instead of training again.
 */
public final class AlignmentBench {
    /**
     * @param arms     the arms to run (SFT is always evaluated; iterating arms reuse the DPO-seed stage as iteration 0)
     * @param tasks    the tasks, each with its own data, SFT model and arms per seed
     * @param seeds    the seeds (data and init), each its own task instance
     * @param sizes    data sizes of every seed's instance
     * @param sft      SFT options (the seed is replaced by each bench seed)
     */
    public record Options(List<KeySortTask> tasks, List<Arm> arms, List<Long> seeds, KeySortSizes sizes, SftTrainer.Options sft, BenchSettings settings, Path out) {}

    private final Options options;
    private final PrintStream log;
    private final List<StageResult> results = new ArrayList<>();

    public AlignmentBench(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    /** Runs every seed and arm; returns one result per seed, arm and stage, in run order. */
    public List<StageResult> run() throws IOException {
        for (KeySortTask task : options.tasks()) {
            for (long s : options.seeds()) runSeed(task, s);
        }
        return List.copyOf(results);
    }

    private void runSeed(KeySortTask task, long seed) throws IOException {
        Path workspace = options.out().resolve(task.label()).resolve("seed-" + seed).toAbsolutePath();
        SftTrainer.Options sftOptions = new SftTrainer.Options(options.sft().learningRate(), options.sft().batchSize(),
                options.sft().epochs(), options.sft().warmupRatio(), options.sft().maxGradNorm(), seed);
        long t0 = System.nanoTime();
        KeySortPreparer.Prepared prepared = KeySortPreparer.prepareIfMissing(workspace, task, options.sizes(), seed, sftOptions, log);
        double sftSeconds = (System.nanoTime() - t0) / 1e9;
        BenchRounds rounds = new BenchRounds(workspace, prepared.modelDir(), prepared.dataDir(), options.sizes(), options.settings(), seed);
        try (DecoderModel sft = Checkpoint.load(prepared.modelDir(), Device.cpu())) {
            PolicyEvaluator evaluator = new PolicyEvaluator(task, sft, prepared.data().test(), options.settings().evalBatch(), seed);
            record(evaluator.evaluate(sft, Arm.SFT.label(), 0).withSeconds(sftSeconds));
            StageResult dpoSeed = null;
            Path dpoSeedModel = null;
            for (Arm arm : options.arms()) {
                switch (arm) {
                    case SFT -> { }
                    case DPO_SEED, DPO_ALL -> {
                        RoundSpec spec = rounds.seedStage(arm);
                        StageResult r = runRound(task, rounds, evaluator, spec, arm, null);
                        if (arm == Arm.DPO_SEED) {
                            dpoSeed = r;
                            dpoSeedModel = rounds.modelDir(arm, 0);
                        }
                    }
                    default -> {
                        if (dpoSeed == null) {
                            RoundSpec spec = rounds.seedStage(Arm.DPO_SEED);
                            dpoSeed = runRound(task, rounds, evaluator, spec, Arm.DPO_SEED, null);
                            dpoSeedModel = rounds.modelDir(Arm.DPO_SEED, 0);
                        }
                        // SPA's iteration 0 is the DPO-seed model: shown again under the arm's name for the plot
                        record(dpoSeed.as(arm.label()));
                        Path policy = dpoSeedModel;
                        List<StageResult> trained = new ArrayList<>(List.of(dpoSeed));
                        for (int k = 1; k <= options.settings().iterations(); k++) {
                            StageResult r = runRound(task, rounds, evaluator, rounds.iteration(arm, k, policy), arm, arm == Arm.ORACLE ? new GoldJudge(task) : null);
                            if (r == null) break;
                            trained.add(r);
                            policy = rounds.modelDir(arm, k);
                            List<BestRound.Scored> scored = BenchReport.scored(trained);
                            var from = BestRound.declinedFrom(scored);
                            if (options.settings().stopOnDecline() && k < options.settings().iterations() && from.isPresent()) {
                                // As the operator does with spec.guard.stopOnDecline: the arm ends here.
                                log.printf("bench: seed %d  %s  %s; the arm stops%n", seed, arm.label(),
                                        BestRound.declineMessage(scored.get(scored.size() - 1), from.get()));
                                break;
                            }
                        }
                    }
                }
            }
        }
    }

    /** Runs and evaluates one round; null when the guard stopped it before training. */
    private StageResult runRound(KeySortTask task, BenchRounds rounds, PolicyEvaluator evaluator, RoundSpec spec, Arm arm, io.selfalign.trainer.judge.Judge judge)
            throws IOException {
        log.printf("bench: %s  seed %d  %s  iteration %d%n", task.label(), spec.seed(), arm.label(), spec.iteration());
        RoundRunner.Options ro = RoundRunner.Options.quiet();
        if (judge != null) ro = ro.withJudge(judge);
        RoundResult result = new RoundRunner().run(spec, rounds.workspace(), ro);
        Path outputDir = rounds.local(spec.paths().outputDir());
        if (result.guardStopped()) {
            // The guard kept this round from training: no model to evaluate, and the arm ends here, as a run would.
            log.printf("bench: seed %d  %s  %s; the arm stops%n", spec.seed(), arm.label(),
                    Guard.stopped(spec.iteration(), result.judgeAccuracy(), spec.judge().minAccuracy()));
            return null;
        }
        StageResult r;
        try (DecoderModel policy = Checkpoint.load(outputDir.resolve(RoundContract.MODEL_DIR), Device.cpu())) {
            Map<String, Double> metrics = new LinkedHashMap<>(result.metrics());
            // A round resumed from a trainer that did not report its validation sample size yet: the bench's own.
            if (metrics.containsKey("validation_accuracy")) metrics.putIfAbsent(RoundResult.VALIDATION_PAIRS, (double) options.sizes().validationPairs());
            r = evaluator.evaluate(policy, arm.label(), spec.iteration()).withRound(metrics, result.durationSeconds());
        }
        if (spec.iteration() > 0) r = r.withSelfLabels(SelfLabelAccuracy.of(task, outputDir.resolve(RoundContract.PAIRS_FILE)));
        record(r);
        return r;
    }

    private void record(StageResult r) {
        results.add(r);
        log.printf("bench: %s  seed %d  %-12s iter %d  WR %.1f%%  greedy WR %.1f%%  r* %.3f  len %.2f  habit %.1f%%  KL %.3f  label acc %.1f%%"
                        + "  habit-pair acc %.1f%%%n", r.task(), r.seed(), r.arm(), r.iteration(), r.winRate(), r.greedyWinRate(), r.meanReward(), r.meanLength(), r.habitShare(), r.kl(),
                r.label(SelfLabelAccuracy::overall), r.label(SelfLabelAccuracy::habit));
    }

}
