package io.selfalign.operator.status;

import io.selfalign.api.v1alpha1.RunPhase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns a run's state into its conditions ({@code SpecValid}, {@code Progressing},
 * {@code Suspended}, {@code Complete}, {@code Failed}, {@code ReconcileError}). Every condition is always present, so that
 * {@code kubectl wait --for=condition=Complete} and {@code --for=condition=Failed} both resolve: a failed
 * run has {@code Complete=False}. A condition keeps its lastTransitionTime while its status is unchanged.
 */
public final class ConditionsBuilder {
    public static final String SPEC_VALID = "SpecValid";
    public static final String PROGRESSING = "Progressing";
    public static final String SUSPENDED = "Suspended";
    public static final String COMPLETE = "Complete";
    public static final String FAILED = "Failed";
    /** True while a request to the Kubernetes API failed (5xx, 429, 409, ...) and the operator retries with backoff. */
    public static final String RECONCILE_ERROR = "ReconcileError";

    /**
     * What the conditions are derived from.
     *
     * @param phase            the run phase just decided
     * @param specProblems     validation problems (empty when the spec is valid)
     * @param currentIteration the round in progress or last finished, null before the first
     * @param iterations       spec.iterations
     * @param failureReason    a CamelCase reason when the phase is Failed
     * @param failureMessage   what failed, when the phase is Failed
     * @param stopReason       a CamelCase reason when the run succeeded before its last iteration (null: it ran them all)
     * @param stopMessage      why it stopped early
     */
    public record RunState(RunPhase phase, List<String> specProblems, Integer currentIteration, int iterations,
                           String failureReason, String failureMessage, String stopReason, String stopMessage) {}

    private ConditionsBuilder() {}

    public static List<Condition> build(RunState s, List<Condition> previous, long generation, Instant now) {
        boolean valid = s.specProblems().isEmpty();
        RunPhase phase = s.phase();
        String round = s.currentIteration() == null ? "" : "iteration " + s.currentIteration() + " of " + s.iterations();
        List<Condition> out = new ArrayList<>();
        out.add(valid
                ? condition(SPEC_VALID, true, "Valid", "the spec is valid")
                : condition(SPEC_VALID, false, "SpecInvalid", String.join("; ", s.specProblems())));

        if (!valid && !RunPhase.FAILED.equals(phase) && !RunPhase.SUCCEEDED.equals(phase)) {
            out.add(condition(PROGRESSING, false, "SpecInvalid", "no round is started until the spec is fixed"));
        } else {
            out.add(switch (phase) {
                case PENDING -> condition(PROGRESSING, true, "RoundPending", "starting " + round);
                case RUNNING -> condition(PROGRESSING, true, "RoundRunning", round + " is running");
                case SUSPENDED -> condition(PROGRESSING, false, "Suspended", "suspended at " + round);
                case SUCCEEDED -> s.stopReason() != null ? condition(PROGRESSING, false, s.stopReason(), s.stopMessage())
                        : condition(PROGRESSING, false, "RunComplete", "all iterations succeeded");
                default -> condition(PROGRESSING, false, "RunFailed", s.failureMessage());
            });
        }
        out.add(RunPhase.SUSPENDED.equals(phase)
                ? condition(SUSPENDED, true, "SuspendedBySpec", "spec.suspend is true; set it to false to resume")
                : condition(SUSPENDED, false, "NotSuspended", "the run is not suspended"));
        out.add(switch (phase) {
            case SUCCEEDED -> s.stopReason() != null ? condition(COMPLETE, true, s.stopReason(), s.stopMessage())
                    : condition(COMPLETE, true, "AllIterationsSucceeded", s.iterations() == 0
                    ? "the seed round succeeded (spec.iterations is 0: no self-labelling)"
                    : "the seed round and " + s.iterations() + " iterations succeeded");
            case FAILED -> condition(COMPLETE, false, "RunFailed", "the run failed and will not complete");
            default -> condition(COMPLETE, false, "InProgress", "not all iterations have succeeded yet");
        });
        out.add(RunPhase.FAILED.equals(phase)
                ? condition(FAILED, true, s.failureReason(), s.failureMessage())
                : condition(FAILED, false, "NotFailed", "no round has failed permanently"));
        // A decision is only recorded when the reconciliation got that far: its requests went through.
        out.add(condition(RECONCILE_ERROR, false, "NoError", "the operator's requests to the Kubernetes API succeed"));

        for (Condition c : out) {
            c.setObservedGeneration(generation);
            Condition before = previous == null ? null
                    : previous.stream().filter(p -> p.getType().equals(c.getType())).findFirst().orElse(null);
            c.setLastTransitionTime(before != null && before.getStatus().equals(c.getStatus())
                    ? before.getLastTransitionTime() : now.toString());
        }
        return out;
    }

    /**
     * {@code previous} with {@code ReconcileError=True}: the reconciliation failed on a request to the Kubernetes API and
     * is retried with backoff. The other conditions stay as recorded.
     */
    public static List<Condition> withReconcileError(List<Condition> previous, String reason, String message, long generation,
                                                     Instant now) {
        List<Condition> out = new ArrayList<>();
        Condition before = null;
        for (Condition c : previous == null ? List.<Condition>of() : previous) {
            if (RECONCILE_ERROR.equals(c.getType())) before = c;
            else out.add(c);
        }
        Condition error = condition(RECONCILE_ERROR, true, reason, message);
        error.setObservedGeneration(generation);
        error.setLastTransitionTime(before != null && "True".equals(before.getStatus()) ? before.getLastTransitionTime() : now.toString());
        out.add(error);
        return out;
    }

    private static Condition condition(String type, boolean status, String reason, String message) {
        return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False")
                .withReason(reason).withMessage(message).build();
    }
}
