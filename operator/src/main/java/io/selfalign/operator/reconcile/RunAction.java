package io.selfalign.operator.reconcile;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.Map;

/** What a reconciliation does besides recording the run's status; {@link RunDecider} decides, the reconciler acts. */
sealed interface RunAction {
    /** Create round {@code iteration}'s resources (the run's own claim if it asks for one, ConfigMap, Job). */
    record StartRound(int iteration) implements RunAction {}

    /** Create sharded round {@code iteration}'s generate stage (the run's own claim if it asks for one, ConfigMap, Indexed Job). */
    record StartShards(int iteration) implements RunAction {}

    /** Publish the generate stage's progress: {@code completed} of {@code shards} shards finished. */
    record CountShards(int completed, int shards) implements RunAction {}

    /** Suspend or resume a running round's Job. */
    record SetJobSuspended(Job job, boolean suspend) implements RunAction {}

    /** A core/v1 Event on the run. */
    record Emit(boolean warning, String reason, String message) implements RunAction {
        static Emit normal(String reason, String message) {
            return new Emit(false, reason, message);
        }

        static Emit warning(String reason, String message) {
            return new Emit(true, reason, message);
        }
    }

    /** Count a succeeded round and publish its metrics. */
    record CountRoundSucceeded(Duration duration, Map<String, Double> metrics) implements RunAction {}

    /** Count a failed round. */
    record CountRoundFailed(String reason) implements RunAction {}
}
