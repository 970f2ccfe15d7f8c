package io.selfalign.operator.testing;

import io.selfalign.api.round.RoundContract;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.operator.kubelet.Kubelet;
import io.selfalign.operator.kubelet.PodEnd;
import io.selfalign.operator.kubelet.PodRunner;
import io.selfalign.operator.round.Rounds;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The {@link Kubelet} with scripted pods: per run, a {@link Script} decides how each attempt ends, or
 * leaves it running ({@link #HANG}) until the test calls {@link #finish}.
 */
public final class TestKubelet implements AutoCloseable {
    /** A script's answer for a pod that keeps running. */
    public static final PodEnd HANG = null;

    /** Decides how attempt {@code attempt} (0-based) of a Job's pod ends; {@link #HANG} keeps it running. */
    @FunctionalInterface
    public interface Script extends BiFunction<Job, Integer, PodEnd> {}

    /** A successful round: exit 0 with a well-formed result for the Job's iteration. */
    public static PodEnd.Succeed success(Job job) {
        int k = Integer.parseInt(job.getMetadata().getLabels().get(Rounds.ITERATION_LABEL));
        String ns = job.getMetadata().getNamespace();
        String run = job.getMetadata().getLabels().get(Rounds.RUN_LABEL);
        RoundResult r = new RoundResult(1, k, "hash-" + k, RoundContract.outputDir(ns, run, k) + "/model", 1.5 + k,
                Map.of("pairs", 100.0 + k, "loss_final", 0.6 - 0.1 * k, "accuracy", 0.7), "round " + k + " done");
        return new PodEnd.Succeed(RoundJson.write(r));
    }

    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<PodEnd>> hanging = new ConcurrentHashMap<>();
    private final Kubelet kubelet;

    public TestKubelet(KubernetesClient client) {
        kubelet = new Kubelet(client, new PodRunner() {
            @Override
            public CompletableFuture<PodEnd> start(Job job, Pod pod, int attempt) {
                Script script = scripts.getOrDefault(job.getMetadata().getLabels().get(Rounds.RUN_LABEL), (j, a) -> success(j));
                PodEnd end = script.apply(job, attempt);
                if (end != HANG) return CompletableFuture.completedFuture(end);
                CompletableFuture<PodEnd> pending = new CompletableFuture<>();
                hanging.put(job.getMetadata().getNamespace() + "/" + job.getMetadata().getName(), pending);
                return pending;
            }

            @Override
            public void stop(Pod pod) {
                hanging.remove(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getLabels().get(Kubelet.JOB_NAME_LABEL));
            }
        });
    }

    /** The script of one run's Jobs (default: every round succeeds). */
    public void script(String run, Script script) {
        scripts.put(run, script);
    }

    /** Ends the running pod of a Job whose script answered {@link #HANG}. */
    public void finish(String namespace, String jobName, PodEnd end) {
        CompletableFuture<PodEnd> pending = hanging.remove(namespace + "/" + jobName);
        if (pending == null) throw new IllegalStateException("no running pod for Job " + jobName);
        pending.complete(end);
    }

    @Override
    public void close() {
        kubelet.close();
    }
}
