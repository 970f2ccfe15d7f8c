package io.selfalign.operator.round;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.api.v1alpha1.RefinementSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Maps an AlignmentRun and a round index onto the round contract ({@code round.json}). Pure: the same run
 * and index always give the same spec (and spec hash), which is what makes a rerun of a finished round
 * recognisable to the trainer.
 *
 * <p>Paths: the spec's paths are relative to the workspace volume, mounted at {@code /workspace}. Round
 * k writes {@code /workspace/runs/<namespace>/<run>/iter-<k>}; its policy is the base model at k = 0 (and at
 * k = 1 when the run has no seed preferences, so no iteration-0 model exists), else round k-1's
 * {@code model/}.
 *
 * <p>Extrapolation λ of iteration k ≥ 1 is the k-th entry of {@code training.refinement.extrapolation};
 * beyond the list each further iteration halves the last value. Unset, the list is SPA's 1/2, 1/4, 1/8, ...
 * The seed round uses λ = 0 and, when the loss is {@code spa}, plain {@code dpo} (SPA's stage 0).
 */
public final class RoundSpecFactory {
    private final String gpuResource;

    public RoundSpecFactory(String gpuResource) {
        this.gpuResource = gpuResource;
    }

    public RoundSpec create(AlignmentRun run, int k) {
        AlignmentRunSpec s = run.getSpec();
        String ns = run.getMetadata().getNamespace();
        String name = run.getMetadata().getName();
        String base = Rounds.WORKSPACE + "/" + s.model.path;
        boolean hasSeedRound = s.data.seedPreferences != null;
        String policy = k == 0 || (k == 1 && !hasSeedRound) ? base : Rounds.outputDir(ns, name, k - 1) + "/model";
        String judgeReference = "previous".equals(s.judge.reference) ? policy : base;
        RoundSpec.Paths paths = new RoundSpec.Paths(Rounds.WORKSPACE, base, policy, judgeReference, Rounds.outputDir(ns, name, k));

        // Seed pairs go to every round: iteration 0 trains on them, later rounds report the judge's agreement with them.
        String seed = hasSeedRound ? Rounds.WORKSPACE + "/" + s.data.seedPreferences : null;
        // Iteration 0 gets the prompts of all iterations: the seed round checks them before its hours of training.
        String prompts = Rounds.WORKSPACE + "/" + s.data.prompts;
        RoundSpec.Data data = k == 0
                ? new RoundSpec.Data(seed, prompts, 0, promptOffset(s, s.iterations + 1))
                : new RoundSpec.Data(seed, prompts, promptOffset(s, k), promptCount(s, k));

        var g = s.generation;
        TrainingSpec t = s.training;
        RefinementSpec r = t.refinement;
        RoundSpec.Training training = new RoundSpec.Training(
                k == 0 && "spa".equals(t.loss) ? "dpo" : t.loss,
                t.beta, t.learningRate, k == 0 ? t.seedEpochs : t.epochs, t.batchSize, t.microBatchSize, t.warmupRatio,
                t.schedule, t.maxLength, t.maxPromptLength, t.weightDecay, t.maxGradNorm, t.labelSmoothing,
                t.simpoGamma, t.orpoLambda,
                new RoundSpec.Refinement(r.alpha, r.noisyFraction, r.window, r.warmupFraction, lambda(r.extrapolation, k)));

        return new RoundSpec(RoundSpec.CURRENT_VERSION,
                new RoundSpec.RunRef(ns, name, run.getMetadata().getUid()),
                k, s.iterations, s.seed + k, paths, data,
                new RoundSpec.Generation(g.samplesPerPrompt, g.temperature, g.topP, g.topK, g.maxNewTokens, g.batchSize),
                new RoundSpec.Judge(s.judge.reference, s.judge.score, s.judge.dropTies),
                training,
                new RoundSpec.Runtime(requestsGpu(s.trainer.resources) ? "gpu" : "cpu", s.model.dtype,
                        Rounds.METRICS_PORT, Rounds.TERMINATION_LOG));
    }

    /** Prompts of iteration k ≥ 1: the single entry for every iteration, or the k-th entry. */
    static long promptCount(AlignmentRunSpec s, int k) {
        List<Long> perIteration = s.data.promptsPerIteration;
        return perIteration.size() == 1 ? perIteration.get(0) : perIteration.get(k - 1);
    }

    /** Iteration k's slice starts where iteration k-1's ended. */
    static long promptOffset(AlignmentRunSpec s, int k) {
        long offset = 0;
        for (int j = 1; j < k; j++) offset += promptCount(s, j);
        return offset;
    }

    /** SPA's schedule when the run sets none: 1/2, 1/4, 1/8, ... */
    private static final List<Double> SPA_LAMBDA = List.of(0.5);

    static double lambda(List<Double> schedule, int k) {
        if (k == 0) return 0;
        if (schedule == null || schedule.isEmpty()) schedule = SPA_LAMBDA;
        if (k <= schedule.size()) return schedule.get(k - 1);
        return schedule.get(schedule.size() - 1) / Math.pow(2, k - schedule.size());
    }

    /** The trainer's resources as the Job will get them: the run's, or one GPU when it sets none. */
    public ResourceRequirements effectiveResources(ResourceRequirements requested) {
        if (requested != null) return requested;
        ResourceRequirements oneGpu = new ResourceRequirements();
        oneGpu.setLimits(Map.of(gpuResource, new Quantity("1")));
        return oneGpu;
    }

    boolean requestsGpu(ResourceRequirements requested) {
        ResourceRequirements effective = effectiveResources(requested);
        return positive(effective.getLimits()) || positive(effective.getRequests());
    }

    private boolean positive(Map<String, Quantity> quantities) {
        Quantity q = quantities == null ? null : quantities.get(gpuResource);
        return q != null && q.getNumericalAmount().compareTo(BigDecimal.ZERO) > 0;
    }
}
