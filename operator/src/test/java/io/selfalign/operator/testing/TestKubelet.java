package io.selfalign.operator.testing;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.operator.round.RoundResources;
import io.selfalign.operator.round.Rounds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * Plays the Job controller and the kubelet on the mock API server, which has neither: for each round
 * Job it creates a pod, then ends it as the {@link Script} says, and writes pod and Job status the way
 * Kubernetes does (backoffLimit, podFailurePolicy: exit 78 fails the Job, DisruptionTarget is ignored;
 * suspend deletes the active pod; deleting a Job deletes its pods).
 */
public final class TestKubelet implements AutoCloseable {

    /** How one pod of a round ends. */
    public sealed interface PodEnd {}

    /** Exit 0 with this termination message. */
    public record Succeed(String terminationMessage) implements PodEnd {}

    /** Non-zero exit with a termination message. */
    public record Fail(int exitCode, String terminationMessage) implements PodEnd {}

    /** The pod is preempted (DisruptionTarget); Kubernetes does not count it as a failure. */
    public record Disrupt() implements PodEnd {}

    /** The pod keeps running until {@link #finish} ends it. */
    public record Hang() implements PodEnd {}

    /** Decides how attempt {@code attempt} (0-based) of a Job's pod ends. */
    @FunctionalInterface
    public interface Script extends BiFunction<Job, Integer, PodEnd> {}

    /** A successful round: exit 0, a well-formed result for the Job's iteration. */
    public static Succeed success(Job job) {
        int k = Integer.parseInt(job.getMetadata().getLabels().get(Rounds.ITERATION_LABEL));
        String ns = job.getMetadata().getNamespace();
        String run = job.getMetadata().getLabels().get(Rounds.RUN_LABEL);
        RoundResult r = new RoundResult(1, k, "hash-" + k, Rounds.outputDir(ns, run, k) + "/model", 1.5 + k,
                Map.of("pairs", 100.0 + k, "loss_final", 0.6 - 0.1 * k, "accuracy", 0.7), "round " + k + " done");
        return new Succeed(RoundJson.write(r));
    }

    private final KubernetesClient client;
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private volatile Script defaultScript = (job, attempt) -> success(job);
    private final SharedIndexInformer<Job> informer;

    public TestKubelet(KubernetesClient client) {
        this.client = client;
        this.informer = client.batch().v1().jobs().inAnyNamespace().withLabel(Rounds.RUN_LABEL).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job job) {
                sync(job);
            }

            @Override
            public void onUpdate(Job before, Job job) {
                sync(job);
            }

            @Override
            public void onDelete(Job job, boolean unknown) {
                podsOf(job).forEach(p -> client.resource(p).delete());
            }
        });
    }

    /** The script for every run without its own. */
    public void defaultScript(Script script) {
        defaultScript = script;
    }

    /** The script of one run's Jobs. */
    public void script(String run, Script script) {
        scripts.put(run, script);
    }

    /** Ends the running pod of a Job that was left hanging. */
    public synchronized void finish(String namespace, String jobName, PodEnd end) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        Pod pod = podsOf(job).stream().filter(p -> "Running".equals(p.getStatus().getPhase())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no running pod for Job " + jobName));
        end(job, pod, end);
    }

    private synchronized void sync(Job job) {
        job = client.resource(job).get();
        if (job == null || finished(job.getStatus())) return;
        List<Pod> pods = podsOf(job);
        List<Pod> running = pods.stream().filter(p -> "Running".equals(p.getStatus().getPhase())).toList();
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            // A suspended Job's active pods are terminated; this is not a failure.
            running.forEach(p -> client.resource(p).delete());
            if (!running.isEmpty()) updateJobStatus(job, s -> s.setActive(0));
            return;
        }
        if (!running.isEmpty()) return;
        int attempt = (int) pods.stream().filter(p -> !"Running".equals(p.getStatus().getPhase())).count();
        Pod pod = startPod(job, pods.size());
        updateJobStatus(job, s -> {
            s.setActive(1);
            if (s.getStartTime() == null) s.setStartTime(Instant.now().toString());
        });
        Script script = scripts.getOrDefault(job.getMetadata().getLabels().get(Rounds.RUN_LABEL), defaultScript);
        PodEnd end = script.apply(job, attempt);
        if (!(end instanceof Hang)) end(job, pod, end);
    }

    private Pod startPod(Job job, int index) {
        Map<String, String> labels = new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
        Pod pod = new PodBuilder()
                .withNewMetadata()
                    .withName(job.getMetadata().getName() + "-" + index)
                    .withNamespace(job.getMetadata().getNamespace())
                    .withLabels(labels)
                    .withCreationTimestamp(Instant.now().toString())
                    .withOwnerReferences(RoundResources.ownerReference(job))
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase("Running").endStatus()
                .build();
        return client.resource(pod).create();
    }

    private void end(Job job, Pod pod, PodEnd end) {
        boolean disrupted = end instanceof Disrupt;
        int exitCode = end instanceof Fail f ? f.exitCode() : disrupted ? 137 : 0;
        String message = end instanceof Succeed s ? s.terminationMessage() : end instanceof Fail f ? f.terminationMessage() : "";
        List<PodCondition> conditions = new ArrayList<>();
        if (disrupted) {
            conditions.add(new PodConditionBuilder().withType("DisruptionTarget").withStatus("True")
                    .withReason("PreemptionByScheduler").build());
        }
        pod.getStatus().setPhase(exitCode == 0 ? "Succeeded" : "Failed");
        pod.getStatus().setConditions(conditions);
        pod.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName(Rounds.CONTAINER)
                .withNewState().withNewTerminated().withExitCode(exitCode).withMessage(message)
                .withReason(exitCode == 0 ? "Completed" : "Error").endTerminated().endState().build()));
        client.resource(pod).updateStatus();

        if (exitCode == 0) {
            updateJobStatus(job, s -> {
                s.setActive(0);
                s.setSucceeded(1);
                s.setConditions(List.of(condition("Complete", "Completed", "")));
            });
        } else if (disrupted) {
            updateJobStatus(job, s -> s.setActive(0)); // Ignore rule: not counted; the next sync starts a new pod
        } else if (exitCode == Rounds.EXIT_INVALID_INPUT) {
            updateJobStatus(job, s -> {
                s.setActive(0);
                s.setFailed(zero(s.getFailed()) + 1);
                s.setConditions(List.of(condition("Failed", "PodFailurePolicy",
                        "Container trainer for pod " + pod.getMetadata().getName() + " failed with exit code 78 matching FailJob rule at index 0")));
            });
        } else {
            updateJobStatus(job, s -> {
                s.setActive(0);
                s.setFailed(zero(s.getFailed()) + 1);
                if (s.getFailed() > job.getSpec().getBackoffLimit()) {
                    s.setConditions(List.of(condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")));
                }
            });
        }
    }

    private void updateJobStatus(Job job, java.util.function.Consumer<JobStatus> change) {
        Job fresh = client.resource(job).get();
        if (fresh.getStatus() == null) fresh.setStatus(new JobStatus());
        change.accept(fresh.getStatus());
        client.resource(fresh).updateStatus();
    }

    private List<Pod> podsOf(Job job) {
        return client.pods().inNamespace(job.getMetadata().getNamespace())
                .withLabel("batch.kubernetes.io/job-name", job.getMetadata().getName()).list().getItems();
    }

    private static JobCondition condition(String type, String reason, String message) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastTransitionTime(Instant.now().toString()).build();
    }

    private static boolean finished(JobStatus s) {
        return s != null && s.getConditions() != null && s.getConditions().stream()
                .anyMatch(c -> "True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType())));
    }

    private static int zero(Integer i) {
        return i == null ? 0 : i;
    }

    @Override
    public void close() {
        informer.close();
    }
}
