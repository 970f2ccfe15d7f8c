package io.selfalign.testkit.kubelet;

import io.selfalign.api.round.RoundContract;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the Job controller and the kubelet on an API server that has neither (the in-process mock of
 * local mode and tests, a bare kube-apiserver in the e2e tests): for each Job it creates a pod, has a {@link PodRunner} run it, and writes
 * pod and Job status the way Kubernetes does — the container's exit code and termination message,
 * {@code backoffLimit}, the {@code podFailurePolicy} (exit 78 fails the Job at once, DisruptionTarget is
 * not counted), {@code activeDeadlineSeconds} (at the deadline the running pod is stopped and the Job fails
 * with reason DeadlineExceeded), suspension (the running pod is stopped and deleted; the deadline restarts on
 * resume) and deletion (pods go with the Job). Indexed Jobs (a sharded round's generate stage) run one pod per index
 * in parallel, each retried alone up to {@code backoffLimitPerIndex}.
 *
 * <p>It runs only the operator's Jobs: a Job whose controller owner reference names an AlignmentRun that exists in
 * the Job's namespace (name and uid). Local mode runs pods as the user, so any other Job (a bare one, one owned by
 * a run that is not there) is ignored, logged once and never run.
 */
public final class Kubelet implements AutoCloseable {
    public static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
    public static final String COMPLETION_INDEX_LABEL = "batch.kubernetes.io/job-completion-index";
    private static final Logger LOG = LoggerFactory.getLogger(Kubelet.class);

    private final KubernetesClient client;
    private final PodRunner runner;
    private final SharedIndexInformer<Job> informer;
    /** Fires each Job's activeDeadlineSeconds; one daemon thread, so a forgotten close never keeps a JVM alive. */
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kubelet-deadlines");
        t.setDaemon(true);
        return t;
    });

    /** Jobs found not to be the operator's, logged once each. */
    private final Set<String> ignored = new HashSet<>();

    public Kubelet(KubernetesClient client, PodRunner runner) {
        this.client = client;
        this.runner = runner;
        this.informer = client.batch().v1().jobs().inAnyNamespace().inform(new ResourceEventHandler<>() {
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
                deleted(job);
            }
        });
    }

    private synchronized void sync(Job seen) {
        Job job = client.resource(seen).get();
        if (job == null || finished(job.getStatus())) return;
        if (!ownedByARun(job)) {
            String id = job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
            if (ignored.add(id + "/" + job.getMetadata().getUid())) {
                LOG.warn("kubelet: ignoring Job {}: not owned by an AlignmentRun", id);
            }
            return;
        }
        List<Pod> pods = podsOf(job);
        List<Pod> running = pods.stream().filter(Kubelet::running).toList();
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            // A suspended Job's active pods are terminated; that is not a failure.
            for (Pod p : running) {
                runner.stop(p);
                client.resource(p).delete();
            }
            // As Kubernetes does: a resumed Job's startTime (and so its deadline) starts again.
            if (!running.isEmpty() || job.getStatus() != null && job.getStatus().getStartTime() != null) {
                updateJobStatus(job, s -> {
                    s.setActive(0);
                    s.setStartTime(null);
                });
            }
            return;
        }
        if (indexed(job)) {
            startIndexes(job, pods);
            return;
        }
        if (!running.isEmpty()) return;
        int attempt = pods.size();
        Pod pod = createRunning(newPod(job, attempt));
        boolean starting = job.getStatus() == null || job.getStatus().getStartTime() == null;
        updateJobStatus(job, s -> {
            s.setActive(1);
            if (s.getStartTime() == null) s.setStartTime(Instant.now().toString());
        });
        if (starting) scheduleDeadline(job);
        runner.start(job, pod, attempt).whenComplete((end, error) -> {
            PodEnd outcome = error == null ? end : new PodEnd.Fail(1, "the pod could not run: " + error.getMessage());
            ended(job, pod, outcome);
        });
    }

    /** The Job's controller is an AlignmentRun that exists in its namespace, with the referenced name and uid. */
    private boolean ownedByARun(Job job) {
        List<OwnerReference> owners = job.getMetadata().getOwnerReferences();
        if (owners == null) return false;
        for (OwnerReference o : owners) {
            if (!Boolean.TRUE.equals(o.getController()) || !HasMetadata.getApiVersion(AlignmentRun.class).equals(o.getApiVersion())
                    || !HasMetadata.getKind(AlignmentRun.class).equals(o.getKind()) || o.getName() == null || o.getUid() == null) {
                continue;
            }
            AlignmentRun run = client.resources(AlignmentRun.class).inNamespace(job.getMetadata().getNamespace())
                    .withName(o.getName()).get();
            if (run != null && o.getUid().equals(run.getMetadata().getUid())) return true;
        }
        return false;
    }

    /**
     * An Indexed Job (a sharded round's generate stage): a pod per index that has neither succeeded nor run out of
     * its {@code backoffLimitPerIndex}, up to {@code parallelism} at once, each told its index in
     * {@code JOB_COMPLETION_INDEX} (and the index label) as Kubernetes does.
     */
    private void startIndexes(Job job, List<Pod> pods) {
        boolean starting = job.getStatus() == null || job.getStatus().getStartTime() == null;
        if (starting) {
            updateJobStatus(job, s -> s.setStartTime(Instant.now().toString()));
            scheduleDeadline(job);
        }
        int parallelism = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
        int active = (int) pods.stream().filter(Kubelet::running).count();
        for (int i = 0; i < completions(job) && active < parallelism; i++) {
            int index = i;
            List<Pod> mine = pods.stream().filter(p -> index == indexOf(p)).toList();
            if (mine.stream().anyMatch(p -> running(p) || succeeded(p)) || failures(mine) > perIndexLimit(job)) continue;
            // A pod that ended at once (exit 78) may have failed the Job meanwhile.
            Job fresh = client.resource(job).get();
            if (fresh == null || finished(fresh.getStatus())) return;
            Pod pod = createRunning(newPod(job, index, mine.size()));
            active++;
            updateJobStatus(job, s -> s.setActive(activePods(job)));
            runner.start(job, pod, mine.size()).whenComplete((end, error) -> {
                PodEnd outcome = error == null ? end : new PodEnd.Fail(1, "the pod could not run: " + error.getMessage());
                ended(job, pod, outcome);
            });
        }
    }

    /** Records an Indexed Job's pod end: index completion, per-index retries, and when the whole Job ends. */
    private void endedIndexed(Job job, Pod pod, int exitCode, boolean disrupted) {
        List<Pod> pods = podsOf(job);
        int index = indexOf(pod);
        List<Integer> done = new ArrayList<>();
        for (int i = 0; i < completions(job); i++) {
            int idx = i;
            if (pods.stream().anyMatch(p -> idx == indexOf(p) && succeeded(p))) done.add(i);
        }
        JobCondition end = null;
        if (done.size() == completions(job)) {
            end = condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods");
        } else if (exitCode == RoundContract.EXIT_INVALID_INPUT) {
            end = condition("Failed", "PodFailurePolicy", "Container " + container(job) + " for pod " + pod.getMetadata().getName()
                    + " failed with exit code " + RoundContract.EXIT_INVALID_INPUT + " matching FailJob rule at index 0");
        } else if (exitCode != 0 && !disrupted && failures(pods.stream().filter(p -> index == indexOf(p)).toList()) > perIndexLimit(job)) {
            end = condition("Failed", "MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes");
        }
        if (end != null && !"Complete".equals(end.getType())) {
            // A failed Job's other pods are terminated, as Kubernetes does.
            for (Pod p : pods) {
                if (!running(p)) continue;
                runner.stop(p);
                terminate(p, 137, "Terminated", "", List.of());
            }
        }
        JobCondition ending = end;
        String completedIndexes = done.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
        updateJobStatus(job, s -> {
            s.setActive(activePods(job));
            s.setSucceeded(done.size());
            s.setCompletedIndexes(completedIndexes.isEmpty() ? null : completedIndexes);
            if (exitCode != 0 && !disrupted) s.setFailed(zero(s.getFailed()) + 1);
            if (ending != null && "Failed".equals(ending.getType()) && exitCode != RoundContract.EXIT_INVALID_INPUT) {
                s.setFailedIndexes(Integer.toString(index));
            }
            if (ending != null) s.setConditions(finishedConditions(ending));
            if (ending != null && "Complete".equals(ending.getType())) s.setCompletionTime(Instant.now().toString());
        });
    }

    private static boolean indexed(Job job) {
        return "Indexed".equals(job.getSpec().getCompletionMode());
    }

    private static int completions(Job job) {
        return job.getSpec().getCompletions() == null ? 1 : job.getSpec().getCompletions();
    }

    private static int perIndexLimit(Job job) {
        Integer limit = job.getSpec().getBackoffLimitPerIndex();
        return limit == null ? Integer.MAX_VALUE : limit;
    }

    /** Failed pods that count against a limit: a disrupted pod (DisruptionTarget) does not. */
    private static long failures(List<Pod> pods) {
        return pods.stream().filter(p -> p.getStatus() != null && "Failed".equals(p.getStatus().getPhase())
                && (p.getStatus().getConditions() == null || p.getStatus().getConditions().stream()
                        .noneMatch(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus())))).count();
    }

    private int activePods(Job job) {
        return (int) podsOf(job).stream().filter(Kubelet::running).count();
    }

    private static int indexOf(Pod pod) {
        String v = pod.getMetadata().getLabels().get(COMPLETION_INDEX_LABEL);
        return v == null ? -1 : Integer.parseInt(v);
    }

    private static boolean succeeded(Pod p) {
        return p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase());
    }

    private void scheduleDeadline(Job job) {
        Long seconds = job.getSpec().getActiveDeadlineSeconds();
        if (seconds == null) return;
        Job started = client.resource(job).get();
        if (started == null || started.getStatus() == null || started.getStatus().getStartTime() == null) return;
        Instant due = Instant.parse(started.getStatus().getStartTime()).plusSeconds(seconds);
        deadlines.schedule(() -> deadline(job, due), Math.max(0, Duration.between(Instant.now(), due).toMillis()), TimeUnit.MILLISECONDS);
    }

    /**
     * The Job controller's activeDeadlineSeconds: a Job still active at {@code due} loses its running pod and
     * fails with reason DeadlineExceeded (not retried). A Job suspended and resumed meanwhile has a later
     * startTime and its own timer.
     */
    private synchronized void deadline(Job seen, Instant due) {
        try {
            Job job = client.resource(seen).get();
            if (job == null || finished(job.getStatus()) || Boolean.TRUE.equals(job.getSpec().getSuspend())) return;
            String startTime = job.getStatus() == null ? null : job.getStatus().getStartTime();
            if (startTime == null || !Instant.parse(startTime).plusSeconds(job.getSpec().getActiveDeadlineSeconds()).equals(due)) return;
            for (Pod p : podsOf(job)) {
                if (!running(p)) continue;
                runner.stop(p);
                terminate(p, 137, "DeadlineExceeded", "", List.of());
            }
            updateJobStatus(job, s -> {
                s.setActive(0);
                s.setConditions(finishedConditions(condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")));
            });
            LOG.info("Job {} exceeded its deadline of {} s", job.getMetadata().getName(), job.getSpec().getActiveDeadlineSeconds());
        } catch (RuntimeException e) {
            LOG.warn("cannot enforce the deadline of Job {}: {}", seen.getMetadata().getName(), e.toString());
        }
    }

    private synchronized void deleted(Job job) {
        for (Pod p : podsOf(job)) {
            if (running(p)) runner.stop(p);
            client.resource(p).delete();
        }
    }

    /** Records how a pod ended in the pod's and the Job's status. */
    private synchronized void ended(Job job, Pod started, PodEnd end) {
        Pod pod = client.resource(started).get();
        if (pod == null || !running(pod)) return; // deleted meanwhile (suspend, Job deletion)
        boolean disrupted = end instanceof PodEnd.Disrupt;
        int exitCode = end instanceof PodEnd.Fail f ? f.exitCode() : disrupted ? 137 : 0;
        String message = end instanceof PodEnd.Succeed s ? s.terminationMessage()
                : end instanceof PodEnd.Fail f ? f.terminationMessage() : "";
        List<PodCondition> conditions = new ArrayList<>();
        if (disrupted) {
            conditions.add(new PodConditionBuilder().withType("DisruptionTarget").withStatus("True")
                    .withReason("PreemptionByScheduler").build());
        }
        terminate(pod, exitCode, exitCode == 0 ? "Completed" : disrupted ? "Preempted" : "Error", message, conditions);

        if (indexed(job)) {
            endedIndexed(job, pod, exitCode, disrupted);
        } else if (exitCode == 0) {
            updateJobStatus(job, s -> {
                s.setActive(0);
                s.setSucceeded(1);
                s.setConditions(finishedConditions(condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods")));
                s.setCompletionTime(Instant.now().toString());
            });
        } else if (disrupted) {
            updateJobStatus(job, s -> s.setActive(0)); // the Ignore rule: not counted; the next sync starts a new pod
        } else if (exitCode == RoundContract.EXIT_INVALID_INPUT) {
            updateJobStatus(job, s -> {
                s.setActive(0);
                s.setFailed(zero(s.getFailed()) + 1);
                s.setConditions(finishedConditions(condition("Failed", "PodFailurePolicy", "Container " + container(job) + " for pod "
                        + pod.getMetadata().getName() + " failed with exit code " + RoundContract.EXIT_INVALID_INPUT + " matching FailJob rule at index 0")));
            });
        } else {
            updateJobStatus(job, s -> {
                s.setActive(0);
                s.setFailed(zero(s.getFailed()) + 1);
                if (s.getFailed() > job.getSpec().getBackoffLimit()) {
                    s.setConditions(finishedConditions(condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")));
                }
            });
        }
        LOG.debug("pod {} ended: {}", pod.getMetadata().getName(), end);
    }

    /** Writes a pod's end: phase, conditions and its container's terminated state. */
    private void terminate(Pod pod, int exitCode, String reason, String message, List<PodCondition> conditions) {
        pod.getStatus().setPhase(exitCode == 0 ? "Succeeded" : "Failed");
        pod.getStatus().setConditions(conditions);
        pod.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName(container(pod))
                .withNewState().withNewTerminated().withExitCode(exitCode).withMessage(message)
                .withReason(reason).endTerminated().endState().build()));
        client.resource(pod).updateStatus();
    }

    private static Pod newPod(Job job, int attempt) {
        return newPod(job, null, attempt);
    }

    /** A pod of the Job's template; with an index (Indexed Job) it carries the index label and JOB_COMPLETION_INDEX. */
    private static Pod newPod(Job job, Integer index, int attempt) {
        Map<String, String> labels = new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put(JOB_NAME_LABEL, job.getMetadata().getName());
        PodSpec spec = new PodSpecBuilder(job.getSpec().getTemplate().getSpec()).build();
        if (index != null) {
            labels.put(COMPLETION_INDEX_LABEL, index.toString());
            for (Container c : spec.getContainers()) {
                List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
                env.add(new EnvVar(RoundContract.SHARD_INDEX_ENV, index.toString(), null));
                c.setEnv(env);
            }
        }
        return new PodBuilder()
                .withNewMetadata()
                    .withName(job.getMetadata().getName() + "-" + (index == null ? "" : index + "-") + attempt)
                    .withNamespace(job.getMetadata().getNamespace())
                    .withLabels(labels)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                            .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid())
                            .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(spec)
                .build();
    }

    /** Creates the pod, then starts it: an API server ignores the status in a create (the mock alone keeps it). */
    private Pod createRunning(Pod pod) {
        Pod created = client.resource(pod).create();
        created.setStatus(new PodStatusBuilder().withPhase("Running").withStartTime(Instant.now().toString()).build());
        return client.resource(created).updateStatus();
    }

    private void updateJobStatus(Job job, Consumer<JobStatus> change) {
        Job fresh = client.resource(job).get();
        if (fresh == null) return;
        if (fresh.getStatus() == null) fresh.setStatus(new JobStatus());
        change.accept(fresh.getStatus());
        client.resource(fresh).updateStatus();
    }

    /** The Job's pods, oldest first. */
    public List<Pod> podsOf(Job job) {
        return client.pods().inNamespace(job.getMetadata().getNamespace())
                .withLabel(JOB_NAME_LABEL, job.getMetadata().getName()).list().getItems();
    }

    /** The pod's (single) container, the trainer of a round. */
    private static String container(Pod pod) {
        return pod.getSpec().getContainers().get(0).getName();
    }

    private static String container(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0).getName();
    }

    private static boolean running(Pod p) {
        return p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
    }

    private static JobCondition condition(String type, String reason, String message) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastTransitionTime(Instant.now().toString()).build();
    }

    /**
     * A finished Job's conditions as the Job controller writes them: a real API server (1.31+) rejects a Complete
     * Job without SuccessCriteriaMet and a Failed Job without FailureTarget.
     */
    private static List<JobCondition> finishedConditions(JobCondition end) {
        String interim = "Complete".equals(end.getType()) ? "SuccessCriteriaMet" : "FailureTarget";
        return List.of(condition(interim, end.getReason(), end.getMessage()), end);
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
        deadlines.shutdownNow();
    }
}
