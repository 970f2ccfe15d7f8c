package io.selfalign.trainer.round;

import io.selfalign.api.round.Guard;
import io.selfalign.api.round.JudgeKind;
import io.selfalign.api.round.JudgeReference;
import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.files.FileManifest;
import io.selfalign.trainer.files.WorkspacePath;
import io.selfalign.trainer.files.Io;
import io.selfalign.trainer.data.PreferenceData;
import io.selfalign.trainer.data.ValidationOverlap;
import io.selfalign.trainer.data.PromptRow;
import io.selfalign.trainer.data.SeedPreference;
import io.selfalign.trainer.guidance.RankedList;
import io.selfalign.trainer.judge.ValidationSignal;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.judge.Judge;
import io.selfalign.trainer.judge.LengthDebias;
import io.selfalign.trainer.loss.Losses;
import io.selfalign.trainer.loss.PreferenceLoss;
import io.selfalign.trainer.metrics.MetricsServer;
import io.selfalign.trainer.model.LoraAdapters;
import io.selfalign.trainer.model.PeftAdapterFiles;
import io.selfalign.trainer.metrics.ProgressPrinter;
import io.selfalign.trainer.metrics.RoundProgress;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.train.PreferenceTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one SPA round as the spec says (docs/algorithm.md §1) and returns its result:
 * <ul>
 *   <li>iteration 0 — preference training of the base model on the gold seed pairs;</li>
 *   <li>iteration k ≥ 1 — sample K responses per prompt of slice k from the previous model, judge them
 *       (by the spec's {@code judge}: the policy's mean log-prob by default, or the implicit reward against the
 *       judge reference; or by a plugged-in {@link Judge}), keep best vs worst
 *       per prompt, train from the previous model with the configured loss ({@code spa} by default).</li>
 * </ul>
 * With {@code training.lora} only adapters are trained and written to {@code adapter/} (PEFT format), and
 * {@code model/} holds them merged.
 * Outputs ({@code model/}, {@code pairs.jsonl}, {@code metrics.jsonl}, {@code result.json}) appear
 * atomically in {@code paths.outputDir}, with a manifest of their sizes and SHA-256 digests in result.json;
 * a rerun with the same spec hash returns the stored result when its files still match the manifest and its
 * inputs the digests it recorded ({@link InputDigests}), and computes the round again when they do not. A model written by an earlier round is checked against that
 * round's manifest before it is used. One trainer at a time works on a round ({@link RoundLock}).
 * Bad specs and inputs throw {@link InputException} (exit 78); anything else is a runtime failure.
 *
 * <pre>{@code
 * RoundResult r = new RoundRunner().run(spec, Path.of("/tmp/ws"), RoundRunner.Options.quiet());
 * }</pre>
 */
public final class RoundRunner {

    /**
     * @param judge           the judge for iteration ≥ 1, or null for the judge the spec configures ({@link ImplicitRewardJudge})
     * @param log             where progress and stage messages go (stderr from the command line)
     * @param progressSeconds period of the progress line (0 = none)
     * @param metricsAddress  the interface to serve Prometheus metrics on ({@code runtime.metricsPort}, when > 0),
     *                        or null to serve none
     */
    public record Options(Judge judge, PrintStream log, long progressSeconds, String metricsAddress) {
        /** What the {@code round} command uses: the spec's judge, progress on stderr every 5 s, metrics on {@code metricsAddress}. */
        public static Options commandLine(String metricsAddress) {
            return new Options(null, System.err, 5, metricsAddress);
        }

        /** For in-process callers: no progress line, no metrics endpoint, stage messages to stderr. */
        public static Options quiet() {
            return new Options(null, System.err, 0, null);
        }

        public Options withJudge(Judge j) {
            return new Options(j, log, progressSeconds, metricsAddress);
        }
    }

    public RoundResult run(RoundSpec spec, Path workspaceRoot) throws IOException {
        return run(spec, workspaceRoot, Options.quiet());
    }

    /**
     * @param workspaceRoot the local folder standing for {@code spec.paths().workspace()}, or null to use
     *                      the spec's paths as they are
     */
    public RoundResult run(RoundSpec spec, Path workspaceRoot, Options options) throws IOException {
        validate(spec);
        RoundPaths paths = new RoundPaths(spec, workspaceRoot);
        Path outputDir = paths.local(spec.paths().outputDir());
        // Held until the round has ended: a second trainer of this round (a local mode left running, a
        // second pod of one Job) must neither replace nor report outputs this one is writing.
        try (WorkspacePath.Scope confined = WorkspacePath.confine(paths.workspace());
             RoundLock lock = RoundLock.acquire(outputDir, "round " + spec.iteration() + " of " + spec.run().namespace() + "/" + spec.run().name())) {
            return runHoldingTheLock(spec, paths, outputDir, options);
        }
    }

    private RoundResult runHoldingTheLock(RoundSpec spec, RoundPaths paths, Path outputDir, Options options) throws IOException {
        RoundOutput output = RoundOutput.at(outputDir);
        String hash = RoundJson.specHash(spec);
        Optional<RoundResult> finished = output.finishedResult();
        // Computed before the inputs are read: should one change in between, the next rerun sees it and computes again.
        Map<String, String> inputDigests = InputDigests.of(spec, paths);
        if (finished.isPresent() && RoundJson.sameRound(finished.get().specHash(), spec)) {
            Optional<String> changed = InputDigests.firstChange(finished.get().inputDigests(), inputDigests, "iteration " + spec.iteration());
            Optional<String> problem = changed.isPresent() ? Optional.empty() : CheckpointIntegrity.problemWithFinished(outputDir, finished.get());
            if (changed.isEmpty() && problem.isEmpty()) {
                options.log().println("round: iteration " + spec.iteration() + " already finished with this spec (" + hash.substring(0, 12)
                        + "), its inputs and files match their digests; reporting the stored result");
                return finished.get();
            }
            options.log().println(changed.isPresent() ? "round: " + changed.get() + "; computing it again"
                    : "round: " + spec.paths().outputDir() + "/" + problem.get() + "; computing iteration " + spec.iteration() + " again");
        } else {
            finished.ifPresent(old -> options.log().println("round: " + spec.paths().outputDir() + " holds a result of another spec ("
                    + old.specHash().substring(0, Math.min(12, old.specHash().length())) + "); recomputing and replacing it"));
        }
        RoundInputs inputs = RoundInputs.read(spec, paths, options.judge() == null && spec.judge().kindOrDefault() == JudgeKind.LIKELIHOOD,
                options.log());
        // A sharded round's candidates were generated and judged by its generate stage: all of them are checked first.
        List<ShardRecord> shards = sharded(spec) ? Shards.verified(spec, hash, paths) : null;
        RoundProgress progress = new RoundProgress(spec.iteration());
        try (MetricsServer ignored = startMetrics(spec, progress, options);
             ProgressPrinter printer = options.progressSeconds() > 0 ? new ProgressPrinter(progress, options.log(), options.progressSeconds()) : null) {
            return execute(spec, hash, paths, output, inputs, inputDigests, shards, progress, options);
        }
    }

    /** Whether iteration k's candidates come from a generate stage of {@code generation.shards} pods. */
    static boolean sharded(RoundSpec spec) {
        return spec.iteration() >= 1 && spec.generation().shardsOrDefault() > 1;
    }

    static void validate(RoundSpec spec) {
        List<String> problems = spec.problems();
        if (!problems.isEmpty()) throw new InputException("invalid round spec: " + String.join("; ", problems));
        if (spec.iteration() == 0 && spec.data().seedPreferences() == null) {
            throw new InputException("data.seedPreferences: required for iteration 0 (the seed stage); a run without seed data starts at iteration 1");
        }
    }

    static MetricsServer startMetrics(RoundSpec spec, RoundProgress progress, Options options) {
        int port = spec.runtime().metricsPort();
        if (options.metricsAddress() == null || port == 0) return null;
        try {
            MetricsServer server = MetricsServer.start(options.metricsAddress(), port, progress, spec.run().namespace(), spec.run().name());
            options.log().println("round: metrics at http://" + options.metricsAddress() + ":" + server.port() + "/metrics");
            return server;
        } catch (IOException e) {
            // Metrics are an aid, not the round's work: a taken port must not fail the round.
            options.log().println("round: warning: cannot serve metrics on port " + port + ": " + e.getMessage());
            return null;
        }
    }

    /** @param shards the verified shards of a sharded round, or null */
    private RoundResult execute(RoundSpec spec, String hash, RoundPaths paths, RoundOutput output, RoundInputs inputs,
                                Map<String, String> inputDigests, List<ShardRecord> shards, RoundProgress progress, Options options) throws IOException {
        long start = System.nanoTime();
        PrintStream log = options.log();
        long seed = spec.rngSeed();
        Path staging = output.begin();
        try {
            ComputeDevice device = ModelLoading.computeDevice(spec.runtime());
            Map<String, Double> metrics = new LinkedHashMap<>();
            if (inputs.validation() != null) {
                metrics.put(ValidationOverlap.METRIC, ValidationOverlap.share(inputs.validation(), inputs.seed(), inputs.prompts()));
            }
            List<LabeledPair> pairs;
            Double judgeAccuracy = null;
            Double validationAccuracy = null;
            boolean trained = true;
            progress.stage("load", 0);
            try (LanguageModel policy = ModelLoading.load(paths.local(spec.paths().policyModel()), device, "paths.policyModel");
                 GuidanceRound guidance = spec.guided() ? GuidanceRound.open(spec, paths, device, policy, log) : null) {
                if (inputs.prompts() != null) PromptFit.check(spec, inputs.prompts(), inputs.promptsFile(), policy);
                HeldOutPairs heldOut = inputs.validation() == null ? null : HeldOutPairs.of(spec, paths, device, policy,
                        goldPairs(spec, inputs.validation(), inputs.validationFile(), policy, "validation_rows_truncated", metrics, log));
                List<LabeledPair> seedPairs;
                List<RankedList> rankings = List.of();
                // The guidance model judges only where the spec says so; a plugged-in judge (the benchmark's oracle) wins.
                boolean guidanceJudges = guidance != null && spec.judge().kindOrDefault() == JudgeKind.GUIDANCE;
                if (spec.iteration() == 0) {
                    log.println("round: iteration 0 (seed stage): " + inputs.seed().size() + " gold pairs, loss "
                            + Losses.forRound(spec.training()).name() + ", " + spec.training().epochs() + " epoch(s)");
                    seedPairs = goldPairs(spec, inputs.seed(), inputs.seedFile(), policy, "seed_rows_truncated", metrics, log);
                    pairs = seedPairs;
                } else {
                    seedPairs = inputs.seed() == null ? null
                            : goldPairs(spec, inputs.seed(), inputs.seedFile(), policy, "seed_rows_truncated", metrics, log);
                    if (guidanceJudges && spec.paths().guidanceModel() == null) {
                        // No earlier round fitted one (a run without a seed round, the benchmark's shared seed stage):
                        // a fresh head scores every candidate 0, so it is fitted to the seed pairs before it judges.
                        guidance.fit(seedPairs, List.of(), List.of(), seed, progress, metrics, log);
                    }
                    Judge judge = options.judge() != null ? options.judge() : guidanceJudges ? guidance.judge() : null;
                    try (SelfLabeling labeling = new SelfLabeling(spec, policy, device, paths, progress, log, judge, seed, heldOut)) {
                        pairs = shards == null ? labeling.label(inputs.prompts(), inputs.promptsFile())
                                : labeling.select(Shards.gather(spec, paths, shards, inputs.prompts(), policy));
                        if (seedPairs != null) {
                            // In-sample: the seed pairs trained the judge, so this overstates how well it labels.
                            metrics.put("seed_agreement", labeling.agreement(seedPairs));
                        }
                        if (heldOut != null) {
                            Map<String, Double> held = labeling.heldOutMetrics();
                            judgeAccuracy = held.get("judge_accuracy");
                            metrics.putAll(held);
                        }
                        metrics.putAll(labeling.metrics());
                        if (guidance != null) rankings = labeling.rankings();
                    }
                    trained = Guard.allowsTraining(spec.judge().minAccuracy(), judgeAccuracy);
                }
                metrics.put("pairs", (double) pairs.size());
                List<PreferenceTrainer.PairOutcome> outcomes = List.of();
                if (trained) {
                    // The seed round's pairs are the gold ones; later rounds add their own labels to them.
                    if (guidance != null) guidance.fit(seedPairs, rankings, spec.iteration() == 0 ? List.of() : pairs, seed, progress, metrics, log);
                    outcomes = train(spec, policy, pairs, staging, progress, seed, metrics, guidance).outcomes();
                    if (heldOut != null) {
                        Map<String, Double> held = guidanceJudges
                                ? Map.of("validation_accuracy", JudgeAgreement.of(guidance.judge(), heldOut.pairs(), new LengthDebias(0)))
                                : validationMetrics(spec, paths, device, policy, heldOut);
                        validationAccuracy = held.get("validation_accuracy");
                        metrics.putAll(held);
                        if (!held.containsKey(RoundResult.VALIDATION_POLICY_ACCURACY)) {
                            metrics.put(RoundResult.VALIDATION_POLICY_ACCURACY, heldOut.policyAccuracy(spec, policy));
                        }
                        metrics.put(RoundResult.VALIDATION_PAIRS, (double) heldOut.pairs().size());
                    }
                    progress.stage("save", 0);
                    policy.save(staging.resolve(RoundContract.MODEL_DIR));
                    if (guidance != null) guidance.save(staging);
                }
                PairsFile.write(staging.resolve(RoundContract.PAIRS_FILE), pairs, outcomes);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String checkpoint = trained ? Path.of(spec.paths().outputDir()).resolve(RoundContract.MODEL_DIR).toString() : null;
            RoundResult result = new RoundResult(RoundSpec.CURRENT_VERSION, spec.iteration(), hash, checkpoint, round(seconds),
                    !trained, judgeAccuracy, validationAccuracy, metrics, null, FileManifest.of(staging), inputDigests);
            result = result.with(message(spec, result), result.metrics());
            output.commit(result);
            progress.stage("done", 0);
            log.println("round: " + result.message());
            return result;
        } catch (IOException e) {
            output.abandon();
            throw Io.naming(staging, e);
        } catch (RuntimeException e) {
            output.abandon();
            throw e;
        }
    }

    /** Gold pairs (seed or validation) tokenized, with the number longer than training.maxLength as {@code metric}. */
    private static List<LabeledPair> goldPairs(RoundSpec spec, List<SeedPreference> rows, Path file, LanguageModel policy, String metric,
                                               Map<String, Double> metrics, PrintStream log) {
        List<LabeledPair> pairs = PairTokens.tokenize(rows, file, policy);
        metrics.put(metric, (double) PairTokens.countOverLong(pairs, file, spec.training(), log));
        return pairs;
    }

    /**
     * The trained model as the next round's judge on the held-out pairs — {@code validation_accuracy}, and on the pairs
     * the base model orders wrongly {@code validation_direction_accuracy}, with their balance
     * {@code validation_balanced_accuracy}: against the base model, with {@code judge.reference: previous} against the
     * model this round started from (read again from disk), with {@code none} on its own; with the configured reference
     * weight, or under {@code judge.select: validation} the weight the next round would choose on these pairs.
     * Without a length term: the next round fits its own.
     */
    private static Map<String, Double> validationMetrics(RoundSpec spec, RoundPaths paths, ComputeDevice device, LanguageModel trained,
                                                         HeldOutPairs heldOut) throws IOException {
        boolean none = spec.judge().reference() == JudgeReference.NONE;
        if (none && !spec.judge().choosesWeight(spec.data())) return validationMetrics(spec, trained, null, null, heldOut);
        // choosing θ without a configured reference weighs against the base model, as the round's judge does
        boolean previous = spec.judge().reference() == JudgeReference.PREVIOUS;
        String reference = previous ? spec.paths().policyModel() : spec.paths().baseModel();
        // The next round weighs the seed round's direction (read from disk: at iteration 1 it is the policy before training).
        String direction = spec.paths().directionModel();
        try (LanguageModel ref = ModelLoading.load(paths.local(reference), device, previous ? "paths.policyModel" : "paths.baseModel");
             LanguageModel dir = direction == null ? null : ModelLoading.load(paths.local(direction), device, "paths.directionModel")) {
            return validationMetrics(spec, trained, dir == null ? null : dir.model(), ref.model(), heldOut);
        }
    }

    private static Map<String, Double> validationMetrics(RoundSpec spec, LanguageModel trained, DecoderModel direction, DecoderModel reference,
                                                         HeldOutPairs heldOut) {
        ValidationSignal signal = heldOut.signal(HeldOutPairs.judge(spec, trained, direction, reference, 1));
        LengthDebias none = new LengthDebias(0);
        double weight = spec.judge().choosesWeight(spec.data()) ? signal.bestWeight(spec.training().beta(), none)
                : spec.judge().referenceWeightOrDefault();
        ValidationSignal.Accuracy a = signal.at(spec.training().beta(), weight, none);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("validation_accuracy", a.overall());
        if (!Double.isNaN(a.direction())) m.put("validation_direction_accuracy", a.direction());
        m.put("validation_balanced_accuracy", a.balanced());
        // A judge that scores by the mean has the trained model's own mean log-probs in hand (its θ = 0): no second pass.
        if (spec.judge().score() == JudgeScore.MEAN) {
            m.put(RoundResult.VALIDATION_POLICY_ACCURACY, signal.at(spec.training().beta(), 0, none).overall());
        }
        return m;
    }

    private static PreferenceTrainer.Summary train(RoundSpec spec, LanguageModel policy, List<LabeledPair> pairs, Path staging,
                                                   RoundProgress progress, long seed, Map<String, Double> metrics,
                                                   GuidanceRound guidance) throws IOException {
        PreferenceLoss loss = Losses.forRound(spec.training());
        progress.stage("train", PreferenceTrainer.totalSteps(pairs.size(), spec.training()));
        RoundSpec.Lora lora = spec.training().lora();
        if (lora != null) {
            LoraAdapters a = LoraAdapters.attach(policy.model(), lora.rank(), lora.alpha(), lora.dropout(), lora.targetModules(), seed);
            metrics.put("lora_parameters", (double) a.parameters().values().stream().mapToLong(p -> p.getShape().size()).sum());
        }
        PreferenceTrainer.Summary s;
        try (StepLog steps = new StepLog(staging.resolve(RoundContract.METRICS_FILE))) {
            s = new PreferenceTrainer(policy.model(), policy.padId(), loss, spec.training(), seed,
                    loss.guided() ? guidance.objective() : null)
                    .train(pairs.stream().map(LabeledPair::tokens).toList(), m -> {
                        steps.write(m);
                        progress.step(m);
                    });
        }
        if (lora != null) {
            // The adapters apply to the model this round started from; model/ gets them merged, as every round's model.
            PeftAdapterFiles.save(policy.model().adapters(), staging.resolve(RoundContract.ADAPTER_DIR), spec.paths().policyModel());
            policy.model().mergeAdapters();
        }
        metrics.put("steps", (double) s.steps());
        if (s.steps() > 0) {
            metrics.put("loss_final", s.lossFinal());
            metrics.put("loss_mean", s.lossMean());
            metrics.put("rewards_chosen", s.rewardsChosen());
            metrics.put("rewards_rejected", s.rewardsRejected());
            metrics.put("margin", s.margin());
            metrics.put("accuracy", s.accuracy());
            metrics.put("train_tokens_per_s", s.tokensPerSecond());
            if (loss.refines()) {
                metrics.put("flagged_fraction", s.flaggedFraction());
                metrics.put("tau", s.tau());
            }
        }
        return s;
    }

    private static String message(RoundSpec spec, RoundResult r) {
        if (r.guardStopped()) return Guard.stopped(spec.iteration(), r.judgeAccuracy(), spec.judge().minAccuracy());
        Map<String, Double> m = r.metrics();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "iteration %d: %.0f pairs, %.0f steps", spec.iteration(),
                m.getOrDefault("pairs", 0.0), m.getOrDefault("steps", 0.0)));
        if (m.containsKey("loss_final")) {
            b.append(String.format(Locale.ROOT, ", loss %.4f, accuracy %.2f, margin %.4f", m.get("loss_final"), m.get("accuracy"), m.get("margin")));
        }
        if (r.judgeAccuracy() != null) b.append(String.format(Locale.ROOT, ", judge accuracy %.3f", r.judgeAccuracy()));
        if (r.validationAccuracy() != null) b.append(String.format(Locale.ROOT, ", validation accuracy %.3f", r.validationAccuracy()));
        if (m.containsKey("ties")) b.append(String.format(Locale.ROOT, ", %.0f ties", m.get("ties")));
        if (m.containsKey("flagged_fraction")) b.append(String.format(Locale.ROOT, ", flagged %.2f", m.get("flagged_fraction")));
        return b.toString();
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }

    /** The round's data, read and checked before any model is loaded. */
    record RoundInputs(Path seedFile, List<SeedPreference> seed, Path promptsFile, List<PromptRow> prompts,
                       Path validationFile, List<SeedPreference> validation) {
        static RoundInputs read(RoundSpec spec, RoundPaths paths, boolean implicitJudge, PrintStream log) {
            requireModel(paths, spec.paths().policyModel(), "paths.policyModel", log);
            if (spec.iteration() >= 1 && implicitJudge && spec.judge().reference() != JudgeReference.NONE) requireModel(paths, spec.paths().judgeReference(), "paths.judgeReference", log);
            if (spec.guided() && spec.paths().guidanceModel() != null) requireModel(paths, spec.paths().guidanceModel(), "paths.guidanceModel", log);
            if (spec.iteration() >= 1 && spec.judge().choosesWeight(spec.data()) && spec.paths().directionModel() != null) {
                requireModel(paths, spec.paths().directionModel(), "paths.directionModel", log);
            }
            Path seedFile = spec.data().seedPreferences() == null ? null : paths.local(spec.data().seedPreferences());
            List<SeedPreference> seed = seedFile == null ? null : PreferenceData.readSeed(seedFile);
            Path validationFile = spec.data().validationPreferences() == null ? null : paths.local(spec.data().validationPreferences());
            List<SeedPreference> validation = validationFile == null ? null : PreferenceData.readPairs(validationFile, "data.validationPreferences");
            // At iteration 0 the prompts, when given, are every row the run will use: read (and so checked) now, not used.
            if (spec.data().prompts() == null || spec.data().promptCount() < 1) return new RoundInputs(seedFile, seed, null, null, validationFile, validation);
            Path promptsFile = paths.local(spec.data().prompts());
            return new RoundInputs(seedFile, seed, promptsFile,
                    PreferenceData.readPromptSlice(promptsFile, spec.data().promptOffset(), spec.data().promptCount()), validationFile, validation);
        }

        private static void requireModel(RoundPaths paths, String specDir, String field, PrintStream log) {
            Path dir = paths.local(specDir);
            if (!Files.isRegularFile(dir.resolve("config.json"))) {
                throw new InputException(field + ": " + dir + " is not a model directory (no config.json)");
            }
            CheckpointIntegrity.requireIntactModel(dir, specDir, field, log);
        }
    }
}
