package io.selfalign.operator.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.round.Rounds;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The run's Jobs and pods, keyed by round. The rounds that exist are derived from the Jobs (label
 * {@code selfalign.io/iteration}) the run owns, never from the run's status, which a reconcile triggered
 * by a Job event may see stale.
 */
final class RunObservation {
    private final Map<Integer, Job> jobs = new HashMap<>();
    private final Map<Integer, List<Pod>> pods = new HashMap<>();
    /** The generate stage of sharded rounds: its Indexed Job and pods, apart from the round Job's. */
    private final Map<Integer, Job> shardJobs = new HashMap<>();
    private final Map<Integer, List<Pod>> shardPods = new HashMap<>();

    RunObservation(AlignmentRun run, Collection<Job> jobs, Collection<Pod> pods) {
        for (Job job : jobs) {
            Integer k = iteration(job.getMetadata().getLabels());
            if (k != null && ownedBy(run, job)) (generateStage(job.getMetadata().getLabels()) ? shardJobs : this.jobs).put(k, job);
        }
        for (Pod pod : pods) {
            Integer k = iteration(pod.getMetadata().getLabels());
            if (k != null) (generateStage(pod.getMetadata().getLabels()) ? shardPods : this.pods).computeIfAbsent(k, i -> new ArrayList<>()).add(pod);
        }
    }

    /**
     * What the informers' caches hold, completed from the API server: when the cache has no finished pod
     * of a round whose Job says it finished (the pod and the Job informers deliver independently), the
     * round's pods are listed.
     */
    static RunObservation observe(KubernetesClient client, AlignmentRun run, Collection<Job> jobs, Collection<Pod> cachedPods) {
        RunObservation observed = new RunObservation(run, jobs, cachedPods);
        observed.jobs.forEach((k, job) -> {
            if (!finished(job) || observed.pods(k).stream().anyMatch(RunObservation::finished)) return;
            observed.pods.put(k, client.pods().inNamespace(run.getMetadata().getNamespace())
                    .withLabel(Rounds.RUN_LABEL, run.getMetadata().getName())
                    .withLabel(Rounds.ITERATION_LABEL, Integer.toString(k))
                    .withoutLabel(Rounds.STAGE_LABEL)
                    .list().getItems());
        });
        return observed;
    }

    Job job(int k) {
        return jobs.get(k);
    }

    List<Pod> pods(int k) {
        return pods.getOrDefault(k, List.of());
    }

    /** Sharded round k's generate-stage Job, if it exists. */
    Job shardJob(int k) {
        return shardJobs.get(k);
    }

    List<Pod> shardPods(int k) {
        return shardPods.getOrDefault(k, List.of());
    }

    private static boolean generateStage(Map<String, String> labels) {
        return labels != null && Rounds.STAGE_GENERATE.equals(labels.get(Rounds.STAGE_LABEL));
    }

    private static boolean finished(Job job) {
        return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
                .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
    }

    private static boolean finished(Pod pod) {
        return pod.getStatus() != null
                && ("Succeeded".equals(pod.getStatus().getPhase()) || "Failed".equals(pod.getStatus().getPhase()));
    }

    private static boolean ownedBy(AlignmentRun run, Job job) {
        return job.getMetadata().getOwnerReferences().stream().anyMatch(o -> o.getUid().equals(run.getMetadata().getUid()));
    }

    private static Integer iteration(Map<String, String> labels) {
        String v = labels == null ? null : labels.get(Rounds.ITERATION_LABEL);
        if (v == null) return null;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
