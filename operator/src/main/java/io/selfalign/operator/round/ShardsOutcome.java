package io.selfalign.operator.round;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What a sharded round's generate-stage Job (Indexed, one completion per shard) says about the stage. */
public sealed interface ShardsOutcome {
    /** The label of an Indexed Job's pod that carries its index (set by the Job controller). */
    String COMPLETION_INDEX_LABEL = "batch.kubernetes.io/job-completion-index";

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
        if (outcome instanceof RoundOutcome.Failed) {
            return new Failed(completed(st), shards, (RoundOutcome.Failed) RoundOutcome.of(job, k, failedShardPods(job, pods)));
        }
        return new Generating(completed(st), shards, outcome.attempts(), ((RoundOutcome.Running) outcome).suspended());
    }

    /**
     * The pods of the shard that failed the stage: the pod the Job's failure names (a FailJob rule names it), else those
     * of its failed indexes. The latest failed pod of the whole Job may belong to a shard that failed once and was
     * retried, whose exit code says nothing about why the stage failed.
     */
    static List<Pod> failedShardPods(Job job, List<Pod> pods) {
        String reason = job.getStatus().getConditions().stream()
                .filter(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()) && c.getMessage() != null)
                .map(c -> c.getMessage()).findFirst().orElse("");
        List<Pod> named = pods.stream().filter(p -> reason.contains(p.getMetadata().getName() + " ")).toList();
        if (!named.isEmpty()) return named;
        Set<Integer> failed = indexes(job.getStatus().getFailedIndexes());
        List<Pod> ofFailedIndexes = pods.stream().filter(p -> failed.contains(index(p))).toList();
        return ofFailedIndexes.isEmpty() ? pods : ofFailedIndexes;
    }

    private static Integer index(Pod pod) {
        String v = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(COMPLETION_INDEX_LABEL);
        return v == null ? null : Integer.valueOf(v);
    }

    /** "0-2,5" as {0, 1, 2, 5}. */
    static Set<Integer> indexes(String ranges) {
        Set<Integer> out = new HashSet<>();
        if (ranges == null || ranges.isBlank()) return out;
        for (String part : ranges.split(",")) {
            String[] range = part.strip().split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length == 1 ? from : Integer.parseInt(range[1]);
            for (int i = from; i <= to; i++) out.add(i);
        }
        return out;
    }

    /** Finished shards: the Job's {@code completedIndexes} ("0-2,5" is 4), or its succeeded count when it has none. */
    static int completed(JobStatus st) {
        if (st == null) return 0;
        String indexes = st.getCompletedIndexes();
        if (indexes == null || indexes.isBlank()) return st.getSucceeded() == null ? 0 : st.getSucceeded();
        return indexes(indexes).size();
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
