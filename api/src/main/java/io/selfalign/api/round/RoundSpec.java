package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one round needs, written by the operator as {@code round.json} (mounted at
 * {@code /etc/selfalign/round.json}); the trainer reads nothing else. Paths are absolute paths inside
 * the trainer pod (under {@link Paths#workspace()}).
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

    /** Identity of the AlignmentRun this round belongs to. */
    public record RunRef(String namespace, String name, String uid) {}

    /**
     * @param workspace      root of the workspace volume; every other path must lie under it
     * @param baseModel      the initial (SFT) model, Hugging Face layout
     * @param policyModel    the model this round starts from (base model at iteration 0, else the
     *                       previous round's {@code model/})
     * @param judgeReference the reference model of the implicit-reward judge (base or previous)
     * @param outputDir      {@code <workspace>/runs/<namespace>/<run>/iter-<k>}
     */
    public record Paths(String workspace, String baseModel, String policyModel, String judgeReference, String outputDir) {}

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
     */
    public record Data(String seedPreferences, String prompts, long promptOffset, long promptCount) {}

    public record Generation(int samplesPerPrompt, double temperature, double topP, int topK, int maxNewTokens, int batchSize) {}

    /**
     * @param reference {@code initial} (the base model, SPA's default) or {@code previous}
     * @param score     {@code sum} (SPA) or {@code mean} of response token log-probs
     * @param dropTies  drop prompts whose best and worst responses have equal reward
     */
    public record Judge(String reference, String score, boolean dropTies) {}

    /**
     * Preference-training parameters for this round. {@code epochs} is already resolved for this
     * iteration (the run's {@code seedEpochs} at iteration 0).
     */
    public record Training(
            String loss,
            double beta,
            double learningRate,
            int epochs,
            int batchSize,
            int microBatchSize,
            double warmupRatio,
            String schedule,
            int maxLength,
            int maxPromptLength,
            double weightDecay,
            double maxGradNorm,
            double labelSmoothing,
            double simpoGamma,
            double orpoLambda,
            Refinement refinement) {}

    /**
     * Self-refinement and de-coupled noise detection (loss {@code spa}).
     *
     * @param alpha          smoothing α for flagged pairs
     * @param noisyFraction  K: the quantile of recent margins below which a pair is flagged
     * @param window         W: number of recent margins in the rolling window
     * @param warmupFraction fraction of optimizer steps with α = 0
     * @param lambda         this iteration's extrapolation λ (0 = refinement without DND)
     */
    public record Refinement(double alpha, double noisyFraction, int window, double warmupFraction, double lambda) {}

    /**
     * @param device      {@code cpu} or {@code gpu}
     * @param dtype       compute dtype, {@code float32} or {@code float16} (fp16 keeps fp32 master weights)
     * @param metricsPort port of the trainer's Prometheus endpoint (0 = off)
     * @param terminationLog where the final summary is written ({@code /dev/termination-log} in a pod)
     */
    public record Runtime(String device, String dtype, int metricsPort, String terminationLog) {}

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
            requirePath(p, "paths.judgeReference", paths.judgeReference(), paths.workspace());
            requirePath(p, "paths.outputDir", paths.outputDir(), paths.workspace());
        }
        if (data == null) {
            p.add("data: required");
        } else {
            String ws = paths == null ? null : paths.workspace();
            if (data.seedPreferences() != null) requirePath(p, "data.seedPreferences", data.seedPreferences(), ws);
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
        }
        if (judge == null) {
            p.add("judge: required");
        } else {
            if (!List.of("initial", "previous").contains(judge.reference())) p.add("judge.reference: must be initial or previous, got " + judge.reference());
            if (!List.of("sum", "mean").contains(judge.score())) p.add("judge.score: must be sum or mean, got " + judge.score());
        }
        if (training == null) {
            p.add("training: required");
        } else {
            Training t = training;
            if (!LOSSES.contains(t.loss())) p.add("training.loss: unknown loss '" + t.loss() + "', expected one of " + LOSSES);
            if (!(t.beta() > 0)) p.add("training.beta: must be > 0");
            if (!(t.learningRate() > 0)) p.add("training.learningRate: must be > 0");
            if (t.epochs() < 0) p.add("training.epochs: must be >= 0");
            if (t.batchSize() < 1) p.add("training.batchSize: must be >= 1");
            if (t.microBatchSize() < 1 || t.microBatchSize() > t.batchSize()) p.add("training.microBatchSize: must be in 1..batchSize");
            else if (t.batchSize() % t.microBatchSize() != 0) p.add("training.microBatchSize: must divide training.batchSize");
            if (!(t.warmupRatio() >= 0 && t.warmupRatio() < 1)) p.add("training.warmupRatio: must be in [0, 1)");
            if (!List.of("cosine", "linear", "constant").contains(t.schedule())) p.add("training.schedule: must be cosine, linear or constant");
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
        }
        if (runtime == null) {
            p.add("runtime: required");
        } else {
            if (!List.of("cpu", "gpu").contains(runtime.device())) p.add("runtime.device: must be cpu or gpu");
            if (!List.of("float32", "float16").contains(runtime.dtype())) p.add("runtime.dtype: must be float32 or float16");
            if (runtime.metricsPort() < 0 || runtime.metricsPort() > 65535) p.add("runtime.metricsPort: must be in 0..65535");
        }
        return p;
    }

    /** The preference losses the trainer implements, by their spec name. */
    public static final List<String> LOSSES = List.of("spa", "dpo", "cdpo", "rdpo", "ipo", "hinge", "simpo", "orpo");

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
