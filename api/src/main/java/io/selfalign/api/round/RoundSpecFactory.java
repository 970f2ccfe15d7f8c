package io.selfalign.api.round;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import java.util.List;

/**
 * Maps an AlignmentRun and a round index onto the round contract ({@code round.json}), for the operator and
 * the benchmark alike: the run-level rules (paths, prompt slices, seed) live here, each parameter section's
 * mapping from its CRD type beside its components in {@link RoundSpec}. Pure: the same run and index always
 * give the same spec (and spec hash), which is what makes a rerun of a finished round recognisable to the trainer.
 *
 * <p>Paths: the spec's paths are relative to the workspace volume, mounted at {@link RoundContract#WORKSPACE}.
 * Round k writes {@link RoundContract#outputDir}; its policy is the base model at k = 0 (and at k = 1 when
 * the run has no seed preferences, so no iteration-0 model exists), else round k-1's {@code model/}. The judge
 * reference {@code previous} is the model that policy was trained from (round k-1's policy), so the reward is
 * the policy's own DPO implicit reward; judging the policy against itself would make every reward 0. A judge that
 * chooses its weight on held-out pairs weighs the direction the seed round learnt from the gold pairs (the seed
 * round's model against the base model), so from iteration 1 on its direction model is round 0's {@code model/}.
 *
 * <p>Extrapolation λ of iteration k ≥ 1 is the k-th entry of {@code training.refinement.extrapolation};
 * beyond the list each further iteration halves the last value. Unset, the list is SPA's 1/2, 1/4, 1/8, ...
 * The seed round uses λ = 0 and, when the loss is {@code spa}, plain {@code dpo} (decided by {@link RoundSpec}).
 */
public final class RoundSpecFactory {
    private RoundSpecFactory() {}

    /** Round k of a run; {@code runtime} is where the cluster runs the trainer (not part of the spec hash). */
    public static RoundSpec create(AlignmentRun run, int k, RoundSpec.Runtime runtime) {
        var meta = run.getMetadata();
        return create(new RoundSpec.RunRef(meta.getNamespace(), meta.getName(), meta.getUid()), run.getSpec(), k, runtime);
    }

    public static RoundSpec create(RoundSpec.RunRef run, AlignmentRunSpec s, int k, RoundSpec.Runtime runtime) {
        String base = RoundContract.inWorkspace(s.model.path);
        boolean hasSeedRound = s.data.seedPreferences != null;
        boolean guided = s.judge.kind == JudgeKind.GUIDANCE || s.training.loss == Loss.GUIDANCE;
        RoundSpec.Data data = data(s, k);
        RoundSpec.Judge judge = RoundSpec.Judge.of(s.judge, s.guard).selectingByDefault(s.data.validationPreferences != null);
        RoundSpec.Paths paths = new RoundSpec.Paths(RoundContract.WORKSPACE, base, policyModel(run, base, hasSeedRound, k),
                judgeReference(s.judge.reference, run, base, hasSeedRound, k), RoundContract.outputDir(run.namespace(), run.name(), k),
                guided ? guidanceModel(run, hasSeedRound, k) : null,
                k >= 1 && hasSeedRound && judge.choosesWeight(data) ? RoundContract.modelDir(run.namespace(), run.name(), 0) : null);
        return new RoundSpec(RoundSpec.CURRENT_VERSION, run, k, s.iterations, RoundSpec.seedOf(s.seed, k), paths, data,
                RoundSpec.Generation.of(s.generation), judge, RoundSpec.Training.of(s.training, k, guided), runtime);
    }

    /**
     * The guidance model round k starts from: round k-1's {@code guidance/}, or none at the run's first round (it fits
     * one from its policy).
     */
    private static String guidanceModel(RoundSpec.RunRef run, boolean hasSeedRound, int k) {
        return k == 0 || (k == 1 && !hasSeedRound) ? null : RoundContract.guidanceDir(run.namespace(), run.name(), k - 1);
    }

    private static RoundSpec.Data data(AlignmentRunSpec s, int k) {
        // Seed pairs go to every round: iteration 0 trains on them, later rounds report the judge's agreement with them.
        String seed = s.data.seedPreferences == null ? null : RoundContract.inWorkspace(s.data.seedPreferences);
        String prompts = RoundContract.inWorkspace(s.data.prompts);
        String validation = s.data.validationPreferences == null ? null : RoundContract.inWorkspace(s.data.validationPreferences);
        // Iteration 0 gets the prompts of all iterations: the seed round checks them before its hours of training. That
        // range grows with iterations, so the round's identity leaves it out (RoundJson.specHash). Iteration k's window
        // depends on the counts of iterations 1..k only: raising iterations moves no finished round's rows.
        return k > 0 ? new RoundSpec.Data(seed, prompts, promptOffset(s, k), promptCount(s, k), validation)
                : new RoundSpec.Data(seed, prompts, 0, promptOffset(s, s.iterations + 1), validation);
    }

    /** The judge's reference model: none, the base model, or (previous) the model round k's policy was trained from. */
    private static String judgeReference(JudgeReference reference, RoundSpec.RunRef run, String base, boolean hasSeedRound, int k) {
        return switch (reference) {
            case NONE -> null;
            case INITIAL -> base;
            case PREVIOUS -> k >= 1 ? policyModel(run, base, hasSeedRound, k - 1) : base;
        };
    }

    /** The model round k starts from (and samples with): the base model, or round k-1's trained model. */
    private static String policyModel(RoundSpec.RunRef run, String base, boolean hasSeedRound, int k) {
        return k == 0 || (k == 1 && !hasSeedRound) ? base : RoundContract.modelDir(run.namespace(), run.name(), k - 1);
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

    /** λ of round k under the run's {@code extrapolation} list (null: SPA's schedule); 0 for the seed round. */
    public static double lambda(List<Double> schedule, int k) {
        if (k == 0) return 0;
        if (schedule == null || schedule.isEmpty()) schedule = SPA_LAMBDA;
        if (k <= schedule.size()) return schedule.get(k - 1);
        return schedule.get(schedule.size() - 1) / Math.pow(2, k - schedule.size());
    }
}
