package io.selfalign.trainer.round;

import io.selfalign.api.round.JudgeKind;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.PromptRow;
import io.selfalign.trainer.files.WorkspacePath;
import io.selfalign.trainer.metrics.MetricsServer;
import io.selfalign.trainer.metrics.ProgressPrinter;
import io.selfalign.trainer.metrics.RoundProgress;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The generate stage of a sharded round ({@code round --stage generate}, one pod of the round's Indexed Job): shard
 * i samples and judges its contiguous share of the round's prompts ({@link ShardPlan}) and writes them to its own
 * directory ({@link ShardDirectory}); the round's training pod gathers all shards. A shard that finds its own
 * finished output (same spec hash, same input digests, candidates matching their digests) reports it again without
 * recomputing. One
 * trainer at a time per shard ({@link RoundLock} on the shard's directory).
 */
public final class ShardStage {
    /** What a finished shard reports (its termination message). */
    public record Summary(int iteration, int shard, int shards, int prompts, double seconds, boolean reused) {}

    public Summary run(RoundSpec spec, int shard, Path workspaceRoot, RoundRunner.Options options) throws IOException {
        RoundRunner.validate(spec);
        int shards = spec.generation().shardsOrDefault();
        if (spec.iteration() == 0 || shards < 2) {
            throw new InputException(RoundContract.STAGE_OPTION + " " + RoundContract.STAGE_GENERATE + ": iteration " + spec.iteration()
                    + " with generation.shards " + shards + " has no generate stage (only iterations >= 1 with shards > 1 do)");
        }
        if (shard < 0 || shard >= shards) {
            throw new InputException(RoundContract.SHARD_INDEX_ENV + ": shard " + shard + " is not in 0.." + (shards - 1)
                    + " (generation.shards " + shards + ")");
        }
        RoundPaths paths = new RoundPaths(spec, workspaceRoot);
        ShardDirectory dir = ShardDirectory.of(spec, paths, shard);
        String what = "shard " + shard + " of round " + spec.iteration() + " of " + spec.run().namespace() + "/" + spec.run().name();
        try (WorkspacePath.Scope confined = WorkspacePath.confine(paths.workspace());
             RoundLock lock = RoundLock.acquire(dir.path(), what)) {
            return runHoldingTheLock(spec, shard, paths, dir, options);
        }
    }

    private Summary runHoldingTheLock(RoundSpec spec, int shard, RoundPaths paths, ShardDirectory dir, RoundRunner.Options options)
            throws IOException {
        PrintStream log = options.log();
        String hash = RoundJson.specHash(spec);
        ShardPlan plan = Shards.plan(spec);
        ShardPlan.Range range = plan.range(shard);
        // Computed before the inputs are read: should one change in between, the next attempt sees it and computes again.
        Map<String, String> inputDigests = InputDigests.ofShard(spec, range, InputDigests.models(spec, paths), paths);
        Optional<String> problem = dir.problem(hash, plan, shard, inputDigests);
        if (problem.isEmpty()) {
            ShardRecord r = dir.record();
            log.println("round: shard " + shard + " of iteration " + spec.iteration() + " already finished with this spec; reporting it");
            return new Summary(spec.iteration(), shard, plan.shards(), range.size(), r.generateSeconds() + r.judgeSeconds(), true);
        }
        log.println("round: shard " + shard + "/" + plan.shards() + " of iteration " + spec.iteration() + ": prompts " + range.from() + ".."
                + range.to() + " of " + plan.prompts() + " (" + problem.get() + ")");
        long start = System.nanoTime();
        boolean guidanceJudges = options.judge() == null && spec.judge().kindOrDefault() == JudgeKind.GUIDANCE;
        RoundRunner.RoundInputs inputs = RoundRunner.RoundInputs.read(spec, paths, options.judge() == null && !guidanceJudges, log);
        List<PromptRow> rows = inputs.prompts().subList(range.from(), range.to());
        RoundProgress progress = new RoundProgress(spec.iteration());
        long seed = spec.rngSeed();
        try (MetricsServer ignored = RoundRunner.startMetrics(spec, progress, options);
             ProgressPrinter printer = options.progressSeconds() > 0 ? new ProgressPrinter(progress, log, options.progressSeconds()) : null) {
            progress.stage("load", 0);
            ComputeDevice device = ModelLoading.computeDevice(spec.runtime());
            try (LanguageModel policy = ModelLoading.load(paths.local(spec.paths().policyModel()), device, "paths.policyModel");
                 // A shard judges with the guidance model the training pod starts from (it refits it only after all shards).
                 GuidanceRound guidance = guidanceJudges ? GuidanceRound.open(spec, paths, device, policy, log) : null;
                 SelfLabeling labeling = new SelfLabeling(spec, policy, device, paths, progress, log,
                         guidance != null ? guidance.judge() : options.judge(), seed, heldOut(spec, paths, device, policy, inputs, options))) {
                PromptFit.check(spec, rows, inputs.promptsFile(), policy);
                dir.write(labeling.generateAndJudge(rows, inputs.promptsFile(), range.from()), hash, spec.iteration(), shard, plan,
                        inputDigests);
            }
            progress.stage("done", 0);
        }
        double seconds = Math.round((System.nanoTime() - start) / 1e6) / 1000.0;
        log.println("round: shard " + shard + " of iteration " + spec.iteration() + " done: " + rows.size() + " prompts in " + seconds + " s");
        return new Summary(spec.iteration(), shard, plan.shards(), rows.size(), seconds, false);
    }

    /** Under {@code judge.select: validation} a shard picks θ as the training pod does: from the same held-out pairs and policy. */
    private static HeldOutPairs heldOut(RoundSpec spec, RoundPaths paths, ComputeDevice device, LanguageModel policy,
                                        RoundRunner.RoundInputs inputs, RoundRunner.Options options) throws IOException {
        if (options.judge() != null || spec.judge().kindOrDefault() == JudgeKind.GUIDANCE || !spec.judge().choosesWeight(spec.data())) return null;
        return HeldOutPairs.of(spec, paths, device, policy, PairTokens.tokenize(inputs.validation(), inputs.validationFile(), policy));
    }
}
