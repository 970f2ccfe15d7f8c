package io.selfalign.operator.reconcile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.round.Rounds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The run's Jobs and pods as the informers see them, keyed by round. The rounds that exist are derived
 * from the Jobs (label {@code selfalign.io/iteration}), never from the run's status, which a reconcile
 * triggered by a Job event may see stale.
 */
final class RunObservation {
    private final KubernetesClient client;
    private final AlignmentRun run;
    private final Map<Integer, Job> jobs = new HashMap<>();
    private final Map<Integer, List<Pod>> pods;

    RunObservation(KubernetesClient client, AlignmentRun run, Set<Job> jobs, Set<Pod> pods) {
        this.client = client;
        this.run = run;
        for (Job job : jobs) {
            Integer k = iteration(job.getMetadata().getLabels());
            if (k != null && ownedBy(job)) this.jobs.put(k, job);
        }
        this.pods = pods.stream()
                .filter(p -> iteration(p.getMetadata().getLabels()) != null)
                .collect(Collectors.groupingBy(p -> iteration(p.getMetadata().getLabels())));
    }

    Job job(int k) {
        return jobs.get(k);
    }

    /**
     * Round k's pods. When the cache has none that finished while the Job says it did (the pod and the
     * Job informers deliver independently), the API server is asked.
     */
    List<Pod> pods(int k, boolean jobFinished) {
        List<Pod> cached = pods.getOrDefault(k, List.of());
        boolean anyFinished = cached.stream().anyMatch(p -> p.getStatus() != null
                && ("Succeeded".equals(p.getStatus().getPhase()) || "Failed".equals(p.getStatus().getPhase())));
        if (!jobFinished || anyFinished) return cached;
        return client.pods().inNamespace(run.getMetadata().getNamespace())
                .withLabel(Rounds.RUN_LABEL, run.getMetadata().getName())
                .withLabel(Rounds.ITERATION_LABEL, Integer.toString(k))
                .list().getItems();
    }

    private boolean ownedBy(Job job) {
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
