package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.selfalign.api.v1alpha1.GenerationSpec;
import io.selfalign.api.v1alpha1.GuardSpec;
import io.selfalign.api.v1alpha1.GuidanceSpec;
import io.selfalign.api.v1alpha1.JudgeSpec;
import io.selfalign.api.v1alpha1.LoraSpec;
import io.selfalign.api.v1alpha1.RefinementSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Everything one round needs, written by the operator as {@code round.json} (mounted at
 * {@code /etc/selfalign/round.json}); the trainer reads nothing else. Paths are absolute paths inside
 * the trainer pod (under {@link Paths#workspace()}). {@link RoundSpecFactory} makes one from a run.
 *
 * <p>Each parameter section ({@link Generation}, {@link Judge}, {@link Training}) is made from its CRD type by
 * its own {@code of} method, beside its components: a new round parameter is a field of the CRD type, a
 * component and its argument here, and the trainer's use of it. Every other maker of a section (benchmarks,
 * tests) goes through {@code of} too, so the CRD's defaults are the only defaults.
 *
 * <p>Iteration 0 is the seed stage (preference training on the gold seed pairs from the base model);
 * iteration k ≥ 1 generates, self-labels and trains on prompt slice k.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoundSpec(
        int version,
        RunRef run,
        int iteration,
        int iterations,
        long seed,
        Paths paths,
        Data data,
        Generation generation,
        Judge judge,
        Training training,
        Runtime runtime) {

    /** The contract version this code writes and reads. */
    public static final int CURRENT_VERSION = 1;

    /**
     * The seed round trains on gold labels, so {@code spa} there is plain sigmoid DPO (SPA's stage 0). Decided
     * here, for every spec however it was made (the operator, a benchmark, a hand-written round.json), so no
     * reader derives it again.
     */
    public RoundSpec {
        if (iteration == 0 && training != null && training.loss() == Loss.SPA) training = training.withLoss(Loss.DPO);
    }

    /** Round k's {@link #seed} as the spec carries it: the run's seed + k (in every round.json and spec hash since v1). */
    public static long seedOf(long runSeed, int k) {
        return runSeed + k;
    }

    /**
     * The seed the round's sampling, shuffling and adapter initialisation start from: {@link #seed} spread a
     * large prime apart per iteration. With {@link #seedOf} this is the whole per-round seed rule, kept as it was
     * first written so that every round reruns with the numbers it had.
     */
    public long rngSeed() {
        return seed + 1_000_003L * iteration;
    }

    /** This spec with another runtime (null: the spec hash's canonical form). */
    public RoundSpec withRuntime(Runtime other) {
        return new RoundSpec(version, run, iteration, iterations, seed, paths, data, generation, judge, training, other);
    }

    /** This spec with another {@link #seed}: the benchmark keeps one seed for every round of an arm. */
    public RoundSpec withSeed(long other) {
        return new RoundSpec(version, run, iteration, iterations, other, paths, data, generation, judge, training, runtime);
    }

    /** This spec with other paths: the benchmark starts every arm from its shared seed-stage model. */
    public RoundSpec withPaths(Paths other) {
        return new RoundSpec(version, run, iteration, iterations, seed, other, data, generation, judge, training, runtime);
    }

    /** Identity of the AlignmentRun this round belongs to. */
    public record RunRef(String namespace, String name, String uid) {}

    /**
     * @param workspace      root of the workspace volume; every other path must lie under it
     * @param baseModel      the initial (SFT) model, Hugging Face layout
     * @param policyModel    the model this round starts from (base model at iteration 0, else the
     *                       previous round's {@code model/})
     * @param judgeReference the reference of SPA's implicit-reward judge (base or previous; absent with the default
     *                       {@code judge.reference: none})
     * @param outputDir      {@code <workspace>/runs/<namespace>/<run>/iter-<k>}
     * @param guidanceModel  the guidance model this round starts from: the previous round's {@code guidance/} (absent
     *                       at the first round, which fits one from the policy, and in runs that use none)
     * @param directionModel the model whose log-ratio to the base model is the direction {@code judge.select: validation}
     *                       weighs: the seed round's {@code model/} from iteration 1 on (at iteration 1 the policy itself);
     *                       absent in runs without a seed round or without that selection, whose judge weighs the policy's own
     */
    public record Paths(String workspace, String baseModel, String policyModel,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String judgeReference, String outputDir,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String guidanceModel,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String directionModel) {
        /** Paths of a run without a guidance or direction model. */
        public Paths(String workspace, String baseModel, String policyModel, String judgeReference, String outputDir) {
            this(workspace, baseModel, policyModel, judgeReference, outputDir, null, null);
        }

        public Paths withPolicyModel(String other) {
            return new Paths(workspace, baseModel, other, judgeReference, outputDir, guidanceModel, directionModel);
        }

        public Paths withJudgeReference(String other) {
            return new Paths(workspace, baseModel, policyModel, other, outputDir, guidanceModel, directionModel);
        }

        public Paths withGuidanceModel(String other) {
            return new Paths(workspace, baseModel, policyModel, judgeReference, outputDir, other, directionModel);
        }

        public Paths withDirectionModel(String other) {
            return new Paths(workspace, baseModel, policyModel, judgeReference, outputDir, guidanceModel, other);
        }
    }

    /**
     * @param seedPreferences JSONL of {@code prompt/chosen/rejected}; required at iteration 0 (the trainer
     *                        exits 78 without it; the operator skips iteration 0 for a run without seed data and
     *                        starts iteration 1 from the base model); at later iterations, when given, the
     *                        trainer reports the judge's agreement with these gold labels
     * @param prompts         JSONL of {@code {"prompt": ...}} or {@code {"messages": [...]}} rows; set at
     *                        iterations k >= 1, and at iteration 0 so that the seed round checks every prompt of
     *                        the run (readable, well-formed, fits the model's context) before its hours of training
     * @param promptOffset    first row (0-based) of this iteration's slice of {@code prompts} (0 at iteration 0)
     * @param promptCount     number of rows in this iteration's slice (at iteration 0: of all iterations)
     * @param validationPreferences JSONL of held-out gold pairs (never trained on) on which the round measures its
     *                        judge ({@code judge_accuracy}) and its trained model ({@code validation_accuracy}); optional
     */
    public record Data(String seedPreferences, String prompts, long promptOffset, long promptCount,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String validationPreferences) {}

    /**
     * @param shards pods that generate and judge the round's candidates in parallel before the training pod
     *               gathers them; null (a spec from before the option, and every unsharded spec) is 1
     */
    public record Generation(int samplesPerPrompt, double temperature, double topP, int topK, int maxNewTokens, int batchSize,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Integer shards) {
        public static Generation of(GenerationSpec g) {
            // shards left out when 1, so an unsharded round.json (and its spec hash) stays what it was before the option.
            return new Generation(g.samplesPerPrompt, g.temperature, g.topP, g.topK, g.maxNewTokens, g.batchSize,
                    g.shards > 1 ? g.shards : null);
        }

        public int shardsOrDefault() {
            return shards == null ? 1 : shards;
        }
    }

    /**
     * @param reference the judge's reference model
     * @param score     how a response is scored
     * @param dropTies  drop prompts whose best and worst responses have equal reward
     * @param truncated     what to do with candidates cut before EOS; null (a spec from before the option) is {@code keep}
     * @param lengthControl how length is kept from deciding labels; null (a spec from before the option) is {@code none}
     * @param minAccuracy   the guard ({@link Guard}): below this {@code judge_accuracy} on the validation pairs the round
     *                      does not train (null: off)
     * @param referenceWeight θ in r = log π − θ·log π_ref; null (a spec from before the option) is 1, the implicit reward
     * @param select        how θ is chosen each round; null (a spec from before the option) is {@code none}
     * @param kind          what scores the candidates; null is {@code likelihood} ({@link #of} writes it so, as every spec from
     *                      before the option has it)
     */
    public record Judge(JudgeReference reference, JudgeScore score, boolean dropTies,
                        @JsonInclude(JsonInclude.Include.NON_NULL) TruncatedResponses truncated,
                        @JsonInclude(JsonInclude.Include.NON_NULL) LengthControl lengthControl,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Double minAccuracy,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Double referenceWeight,
                        @JsonInclude(JsonInclude.Include.NON_NULL) JudgeSelection select,
                        @JsonInclude(JsonInclude.Include.NON_NULL) JudgeKind kind) {
        /** A likelihood judge (no {@code kind}). */
        public Judge(JudgeReference reference, JudgeScore score, boolean dropTies, TruncatedResponses truncated, LengthControl lengthControl,
                     Double minAccuracy, Double referenceWeight, JudgeSelection select) {
            this(reference, score, dropTies, truncated, lengthControl, minAccuracy, referenceWeight, select, null);
        }

        public static Judge of(JudgeSpec j, GuardSpec guard) {
            // likelihood is left out, so a run's round.json (and its spec hash) stays what it was before the option.
            return new Judge(j.reference, j.score, j.dropTies, j.truncated, j.lengthControl, guard.minJudgeAccuracy, j.referenceWeight, j.select,
                    j.kind == JudgeKind.LIKELIHOOD ? null : j.kind);
        }

        /** {@link #kind}, with the behaviour of specs written before it existed. */
        public JudgeKind kindOrDefault() {
            return kind == null ? JudgeKind.LIKELIHOOD : kind;
        }

        /** {@link #referenceWeight}, with the behaviour of specs written before it existed (the full implicit reward). */
        public double referenceWeightOrDefault() {
            return referenceWeight == null ? 1.0 : referenceWeight;
        }

        /**
         * The run's default for an unset {@code judge.select}: {@code validation} when the run has validation pairs to
         * choose θ on (the measured better judge on both benchmark tasks, docs/judge.md), else unset ({@code none}).
         * Decided here, at the factory, so that {@code round.json} always says which judge a round used.
         */
        public Judge selectingByDefault(boolean hasValidationPairs) {
            if (select != null || !hasValidationPairs) return this;
            return new Judge(reference, score, dropTies, truncated, lengthControl, minAccuracy, referenceWeight, JudgeSelection.VALIDATION, kind);
        }

        /** {@link #select}, with the behaviour of specs written before it existed. */
        public JudgeSelection selectOrDefault() {
            return select == null ? JudgeSelection.NONE : select;
        }

        /**
         * Whether the round chooses θ on the held-out pairs: {@code select: validation} and pairs to choose on. Its
         * reference is {@link #reference}, or the base model when that is {@code none}.
         */
        public boolean choosesWeight(Data data) {
            return selectOrDefault() == JudgeSelection.VALIDATION && data.validationPreferences() != null;
        }

        /** {@link #truncated}, with the behaviour of specs written before it existed. */
        public TruncatedResponses truncatedOrDefault() {
            return truncated == null ? TruncatedResponses.KEEP : truncated;
        }

        /** {@link #lengthControl}, with the behaviour of specs written before it existed. */
        public LengthControl lengthControlOrDefault() {
            return lengthControl == null ? LengthControl.NONE : lengthControl;
        }
    }

    /**
     * Preference-training parameters for this round. {@code epochs} and {@code refinement.lambda} are already
     * resolved for this iteration. {@code lora} is omitted when off, so a spec without it serialises (and hashes)
     * as before it existed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Training(
            Loss loss,
            double beta,
            double learningRate,
            int epochs,
            int batchSize,
            int microBatchSize,
            double warmupRatio,
            LrSchedule schedule,
            int maxLength,
            int maxPromptLength,
            double weightDecay,
            double maxGradNorm,
            double labelSmoothing,
            double simpoGamma,
            double orpoLambda,
            Refinement refinement,
            Lora lora,
            Guidance guidance) {
        /** Training without a guidance model. */
        public Training(Loss loss, double beta, double learningRate, int epochs, int batchSize, int microBatchSize, double warmupRatio,
                        LrSchedule schedule, int maxLength, int maxPromptLength, double weightDecay, double maxGradNorm,
                        double labelSmoothing, double simpoGamma, double orpoLambda, Refinement refinement, Lora lora) {
            this(loss, beta, learningRate, epochs, batchSize, microBatchSize, warmupRatio, schedule, maxLength, maxPromptLength, weightDecay,
                    maxGradNorm, labelSmoothing, simpoGamma, orpoLambda, refinement, lora, null);
        }

        /**
         * Round k's training: the run's {@code seedEpochs} at iteration 0, else its {@code epochs}; the guidance model's
         * settings when the round has one ({@code guided}), so that a run without one serialises as before it existed.
         */
        public static Training of(TrainingSpec t, int k, boolean guided) {
            return new Training(t.loss, t.beta, t.learningRate, k == 0 ? t.seedEpochs : t.epochs, t.batchSize, t.microBatchSize,
                    t.warmupRatio, t.schedule, t.maxLength, t.maxPromptLength, t.weightDecay, t.maxGradNorm, t.labelSmoothing,
                    t.simpoGamma, t.orpoLambda, Refinement.of(t.refinement, k), Lora.of(t.lora),
                    guided ? Guidance.of(t.guidance != null ? t.guidance : new GuidanceSpec()) : null);
        }

        /** Round k's training of a run whose judge is not the guidance model ({@link #of(TrainingSpec, int, boolean)}). */
        public static Training of(TrainingSpec t, int k) {
            return of(t, k, t.loss == Loss.GUIDANCE);
        }

        Training withLoss(Loss other) {
            return new Training(other, beta, learningRate, epochs, batchSize, microBatchSize, warmupRatio, schedule, maxLength,
                    maxPromptLength, weightDecay, maxGradNorm, labelSmoothing, simpoGamma, orpoLambda, refinement, lora, guidance);
        }
    }

    /**
     * The token-level guidance model's settings (docs/algorithm.md §6); present when the judge or the loss uses it.
     *
     * @param aggregation   how token scores become a response's score
     * @param ranking       what each round fits the model to: the K candidates' order (listwise) or the selected pair
     * @param learningRate  its AdamW learning rate
     * @param klCoefficient κ of the KL penalty of loss {@code guidance} on own samples (0: no reference)
     * @param epochs        epochs of each fit; null (and then not written, so a spec without it hashes as before it
     *                      existed) for the round's {@code training.epochs}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Guidance(GuidanceAggregation aggregation, GuidanceRanking ranking, double learningRate, double klCoefficient, Integer epochs) {
        public static Guidance of(GuidanceSpec g) {
            return new Guidance(g.aggregation, g.ranking, g.learningRate, g.klCoefficient, g.epochs);
        }

        /** Epochs of each fit in a round whose policy trains {@code trainingEpochs}. */
        public int epochsOr(int trainingEpochs) {
            return epochs != null ? epochs : trainingEpochs;
        }

        /** Every problem with these values, each naming its field under {@code training.guidance.}. */
        List<String> problems() {
            List<String> p = new ArrayList<>();
            if (aggregation == null) p.add("training.guidance.aggregation: required, one of " + WireNames.all(GuidanceAggregation.class));
            if (ranking == null) p.add("training.guidance.ranking: required, one of " + WireNames.all(GuidanceRanking.class));
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) p.add("training.guidance.learningRate: must be > 0, got " + learningRate);
            if (!(klCoefficient >= 0) || Double.isInfinite(klCoefficient)) {
                p.add("training.guidance.klCoefficient: must be >= 0, got " + klCoefficient);
            }
            if (epochs != null && epochs < 1) p.add("training.guidance.epochs: must be >= 1, got " + epochs);
            return p;
        }
    }

    /** Whether this round has a guidance model: its judge or its loss uses one. */
    public boolean guided() {
        return (judge != null && judge.kindOrDefault() == JudgeKind.GUIDANCE) || (training != null && training.loss() == Loss.GUIDANCE);
    }

    /**
     * Self-refinement and de-coupled noise detection (loss {@code spa}).
     *
     * @param alpha          smoothing α for flagged pairs
     * @param noisyFraction  K: the quantile of recent margins below which a pair is flagged
     * @param window         W: number of recent margins in the rolling window
     * @param warmupFraction fraction of optimizer steps with α = 0
     * @param lambda         this iteration's extrapolation λ (0 = refinement without DND)
     */
    public record Refinement(double alpha, double noisyFraction, int window, double warmupFraction, double lambda) {
        /** Round k's refinement: λ from the run's schedule ({@link RoundSpecFactory#lambda}). */
        public static Refinement of(RefinementSpec r, int k) {
            return new Refinement(r.alpha, r.noisyFraction, r.window, r.warmupFraction, RoundSpecFactory.lambda(r.extrapolation, k));
        }
    }

    /**
     * LoRA preference training: the round's starting weights stay frozen and low-rank adapters
     * ΔW = (alpha / rank) · B·A are trained on the named projections (PEFT's names and meaning).
     *
     * @param rank          r, the adapters' inner dimension
     * @param alpha         scaling numerator (resolved: the run's default 2·rank is already applied)
     * @param dropout       dropout on each adapter's input during training
     * @param targetModules PEFT module names of the projections that get an adapter
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Lora(int rank, double alpha, double dropout, List<String> targetModules) {
        /** The projections of a Llama-family decoder layer, as PEFT names them (the default targets). */
        public static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

        /** The run's LoRA settings with their defaults applied: alpha 2·rank, every projection; null when off. */
        public static Lora of(LoraSpec l) {
            if (l == null) return null;
            return new Lora(l.rank, l.alpha != null ? l.alpha : 2.0 * l.rank, l.dropout,
                    l.targetModules != null ? new ArrayList<>(l.targetModules) : MODULES);
        }

        /** Every problem with these values, each naming its field under {@code prefix} (e.g. {@code training.lora.}). */
        public List<String> problems(String prefix) {
            List<String> p = new ArrayList<>();
            if (rank < 1) p.add(prefix + "rank: must be >= 1, got " + rank);
            if (!(alpha > 0) || Double.isInfinite(alpha)) p.add(prefix + "alpha: must be > 0, got " + alpha);
            if (!(dropout >= 0 && dropout < 1)) p.add(prefix + "dropout: must be in [0, 1), got " + dropout);
            p.addAll(targetModuleProblems(prefix + "targetModules", targetModules, UnaryOperator.identity()));
            return p;
        }

        /**
         * Problems with a list of target modules named {@code field}: empty, an unknown name, a name twice.
         * {@code shown} renders a user's value in a message (the operator cuts long ones).
         */
        public static List<String> targetModuleProblems(String field, List<String> modules, UnaryOperator<String> shown) {
            List<String> p = new ArrayList<>();
            if (modules == null || modules.isEmpty()) {
                p.add(field + ": at least one of " + MODULES);
                return p;
            }
            for (int i = 0; i < modules.size(); i++) {
                if (!MODULES.contains(modules.get(i))) {
                    p.add(field + "[" + i + "]: must be one of " + MODULES + ", got " + shown.apply(String.valueOf(modules.get(i))));
                }
            }
            if (modules.stream().distinct().count() < modules.size()) p.add(field + ": names a module twice");
            return p;
        }
    }

    /**
     * @param device      where the trainer computes
     * @param dtype       compute dtype (fp16 keeps fp32 master weights)
     * @param metricsPort port of the trainer's Prometheus endpoint (0 = off)
     * @param terminationLog where the final summary is written ({@code /dev/termination-log} in a pod)
     */
    public record Runtime(DeviceKind device, ComputeDtype dtype, int metricsPort, String terminationLog) {}

    /** Every problem with this spec, each naming its field; empty when the spec is usable. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (version != CURRENT_VERSION) p.add("version: expected " + CURRENT_VERSION + ", got " + version);
        if (run == null || blank(run.name()) || blank(run.namespace())) p.add("run: namespace and name are required");
        if (iterations < 0) p.add("iterations: must be >= 0, got " + iterations);
        if (iteration < 0 || iteration > iterations) p.add("iteration: must be in 0.." + iterations + ", got " + iteration);
        if (paths == null) {
            p.add("paths: required");
        } else {
            requirePath(p, "paths.workspace", paths.workspace(), null);
            requirePath(p, "paths.baseModel", paths.baseModel(), paths.workspace());
            requirePath(p, "paths.policyModel", paths.policyModel(), paths.workspace());
            // judge.reference none loads no second model: the path is then optional (and unused).
            if (paths.judgeReference() != null || judge == null || judge.reference() != JudgeReference.NONE) {
                requirePath(p, "paths.judgeReference", paths.judgeReference(), paths.workspace());
            }
            requirePath(p, "paths.outputDir", paths.outputDir(), paths.workspace());
        }
        if (data == null) {
            p.add("data: required");
        } else {
            String ws = paths == null ? null : paths.workspace();
            if (data.seedPreferences() != null) requirePath(p, "data.seedPreferences", data.seedPreferences(), ws);
            if (data.validationPreferences() != null) requirePath(p, "data.validationPreferences", data.validationPreferences(), ws);
            if (iteration >= 1) {
                requirePath(p, "data.prompts", data.prompts(), ws);
                if (data.promptOffset() < 0) p.add("data.promptOffset: must be >= 0");
                if (data.promptCount() < 1) p.add("data.promptCount: must be >= 1 for iteration " + iteration);
            }
        }
        if (generation == null) {
            p.add("generation: required");
        } else {
            if (generation.samplesPerPrompt() < 2) p.add("generation.samplesPerPrompt: must be >= 2");
            if (!(generation.temperature() >= 0)) p.add("generation.temperature: must be >= 0");
            if (!(generation.topP() > 0 && generation.topP() <= 1)) p.add("generation.topP: must be in (0, 1]");
            if (generation.topK() < 0) p.add("generation.topK: must be >= 0 (0 = off)");
            if (generation.maxNewTokens() < 1) p.add("generation.maxNewTokens: must be >= 1");
            if (generation.batchSize() < 1) p.add("generation.batchSize: must be >= 1");
            if (generation.shards() != null && generation.shards() < 1) p.add("generation.shards: must be >= 1");
        }
        if (judge == null) {
            p.add("judge: required");
        } else {
            if (judge.reference() == null) p.add("judge.reference: required, one of " + WireNames.all(JudgeReference.class));
            if (judge.score() == null) p.add("judge.score: required, one of " + WireNames.all(JudgeScore.class));
            if (judge.minAccuracy() != null && (data == null || data.validationPreferences() == null)) {
                p.add("judge.minAccuracy: needs data.validationPreferences");
            }
            if (judge.referenceWeight() != null && !(judge.referenceWeight() >= 0 && judge.referenceWeight() <= 1)) {
                p.add("judge.referenceWeight: must be in [0, 1], got " + judge.referenceWeight());
            }
            if (judge.selectOrDefault() == JudgeSelection.VALIDATION && (data == null || data.validationPreferences() == null)) {
                p.add("judge.select: validation needs data.validationPreferences");
            }
        }
        if (training == null) {
            p.add("training: required");
        } else {
            Training t = training;
            if (t.loss() == null) p.add("training.loss: required, one of " + WireNames.all(Loss.class));
            if (!(t.beta() > 0)) p.add("training.beta: must be > 0");
            if (!(t.learningRate() > 0)) p.add("training.learningRate: must be > 0");
            if (t.epochs() < 0) p.add("training.epochs: must be >= 0");
            if (t.batchSize() < 1) p.add("training.batchSize: must be >= 1");
            if (t.microBatchSize() < 1 || t.microBatchSize() > t.batchSize()) p.add("training.microBatchSize: must be in 1..batchSize");
            else if (t.batchSize() % t.microBatchSize() != 0) p.add("training.microBatchSize: must divide training.batchSize");
            if (!(t.warmupRatio() >= 0 && t.warmupRatio() < 1)) p.add("training.warmupRatio: must be in [0, 1)");
            if (t.schedule() == null) p.add("training.schedule: required, one of " + WireNames.all(LrSchedule.class));
            if (t.maxPromptLength() < 1 || t.maxLength() <= t.maxPromptLength()) p.add("training.maxLength: must exceed training.maxPromptLength (>= 1)");
            if (!(t.weightDecay() >= 0)) p.add("training.weightDecay: must be >= 0");
            if (!(t.maxGradNorm() >= 0)) p.add("training.maxGradNorm: must be >= 0 (0 = no clipping)");
            if (!(t.labelSmoothing() >= 0 && t.labelSmoothing() < 0.5)) p.add("training.labelSmoothing: must be in [0, 0.5)");
            Refinement r = t.refinement();
            if (r == null) {
                p.add("training.refinement: required");
            } else {
                if (!(r.alpha() >= 0 && r.alpha() < 0.5)) p.add("training.refinement.alpha: must be in [0, 0.5)");
                if (!(r.noisyFraction() > 0 && r.noisyFraction() < 1)) p.add("training.refinement.noisyFraction: must be in (0, 1)");
                if (r.window() < 2) p.add("training.refinement.window: must be >= 2");
                if (!(r.warmupFraction() >= 0 && r.warmupFraction() < 1)) p.add("training.refinement.warmupFraction: must be in [0, 1)");
                if (!(r.lambda() >= 0)) p.add("training.refinement.lambda: must be >= 0");
            }
            if (t.lora() != null) p.addAll(t.lora().problems("training.lora."));
            if (t.guidance() != null) p.addAll(t.guidance().problems());
            if (guided() && t.guidance() == null) p.add("training.guidance: required when judge.kind or training.loss is guidance");
        }
        if (judge != null && judge.kindOrDefault() == JudgeKind.GUIDANCE && iteration >= 1 && paths != null
                && paths.guidanceModel() == null && (data == null || data.seedPreferences() == null)) {
            p.add("judge.kind: guidance needs data.seedPreferences or paths.guidanceModel: the guidance model must be fitted "
                    + "to preferences before it can judge");
        }
        if (paths != null && paths.guidanceModel() != null) requirePath(p, "paths.guidanceModel", paths.guidanceModel(), paths.workspace());
        if (runtime == null) {
            p.add("runtime: required");
        } else {
            if (runtime.device() == null) p.add("runtime.device: required, one of " + WireNames.all(DeviceKind.class));
            if (runtime.dtype() == null) p.add("runtime.dtype: required, one of " + WireNames.all(ComputeDtype.class));
            if (runtime.metricsPort() < 0 || runtime.metricsPort() > 65535) p.add("runtime.metricsPort: must be in 0..65535");
        }
        return p;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static void requirePath(List<String> p, String field, String value, String workspace) {
        if (blank(value)) {
            p.add(field + ": required");
            return;
        }
        java.nio.file.Path path = java.nio.file.Path.of(value).normalize();
        if (!path.isAbsolute()) {
            p.add(field + ": must be an absolute path, got " + value);
        } else if (workspace != null && !blank(workspace) && !path.startsWith(java.nio.file.Path.of(workspace).normalize())) {
            p.add(field + ": " + value + " lies outside the workspace " + workspace);
        }
    }
}
