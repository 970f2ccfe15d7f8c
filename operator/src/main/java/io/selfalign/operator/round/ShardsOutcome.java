package io.selfalign.operator.round;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What a sharded round's generate-stage Job (Indexed, one completion per shard) says about the stage. */
public sealed interface ShardsOutcome {
    /** Shards still running (or waiting to): {@code completed} of {@code shards} have finished. */
    record Generating(int completed, int shards, int attempts, boolean suspended) implements ShardsOutcome {}

    /** Every shard finished; {@code seconds} from the Job's start to its completion, null when it does not say. */
    record Generated(int shards, Double seconds) implements ShardsOutcome {}

    /** The Job failed: a shard ran out of retries, exited 78, or the stage hit the round's deadline. */
    record Failed(int completed, int shards, RoundOutcome.Failed failure) implements ShardsOutcome {}

    static ShardsOutcome of(Job job, int k, List<Pod> pods) {
        JobStatus st = job.getStatus();
        int shards = job.getSpec().getCompletions() == null ? 1 : job.getSpec().getCompletions();
        // A shard's termination message is its summary, not a round result: completion is read from the Job alone.
        if (hasCondition(st, "Complete")) return new Generated(shards, seconds(st));
        RoundOutcome outcome = RoundOutcome.of(job, k, pods);
        if (outcome instanceof RoundOutcome.Failed f) return new Failed(completed(st), shards, f);
        return new Generating(completed(st), shards, outcome.attempts(), ((RoundOutcome.Running) outcome).suspended());
    }

    /** Finished shards: the Job's {@code completedIndexes} ("0-2,5" is 4), or its succeeded count when it has none. */
    static int completed(JobStatus st) {
        if (st == null) return 0;
        String indexes = st.getCompletedIndexes();
        if (indexes == null || indexes.isBlank()) return st.getSucceeded() == null ? 0 : st.getSucceeded();
        int n = 0;
        for (String part : indexes.split(",")) {
            String[] range = part.strip().split("-");
            n += range.length == 1 ? 1 : Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
        }
        return n;
    }

    private static boolean hasCondition(JobStatus st, String type) {
        return st != null && st.getConditions() != null
                && st.getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static Double seconds(JobStatus st) {
        if (st == null || st.getStartTime() == null || st.getCompletionTime() == null) return null;
        return Duration.between(Instant.parse(st.getStartTime()), Instant.parse(st.getCompletionTime())).toMillis() / 1000.0;
    }
}
