package io.selfalign.operator.testing;

import io.selfalign.api.round.RoundContract;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.testkit.kubelet.Kubelet;
import io.selfalign.testkit.kubelet.PodEnd;
import io.selfalign.testkit.kubelet.PodRunner;
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

    /** Decides how attempt {@code attempt} of one index of an Indexed Job ends (a shard of a sharded round). */
    @FunctionalInterface
    public interface ShardScript {
        PodEnd end(Job job, int index, int attempt);
    }

    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, ShardScript> shardScripts = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<PodEnd>> hanging = new ConcurrentHashMap<>();
    private final Kubelet kubelet;

    public TestKubelet(KubernetesClient client) {
        kubelet = new Kubelet(client, new PodRunner() {
            @Override
            public CompletableFuture<PodEnd> start(Job job, Pod pod, int attempt) {
                String run = job.getMetadata().getLabels().get(Rounds.RUN_LABEL);
                String index = pod.getMetadata().getLabels().get(Kubelet.COMPLETION_INDEX_LABEL);
                PodEnd end = index != null && shardScripts.containsKey(run)
                        ? shardScripts.get(run).end(job, Integer.parseInt(index), attempt)
                        : scripts.getOrDefault(run, (j, a) -> success(j)).apply(job, attempt);
                if (end != HANG) return CompletableFuture.completedFuture(end);
                CompletableFuture<PodEnd> pending = new CompletableFuture<>();
                hanging.put(key(pod), pending);
                return pending;
            }

            @Override
            public void stop(Pod pod) {
                hanging.remove(key(pod));
            }
        });
    }

    /** The script of one run's Jobs (default: every round succeeds). */
    public void script(String run, Script script) {
        scripts.put(run, script);
    }

    /** The script of the shards of one run's Indexed Jobs (default: the run's {@link #script}). */
    public void shardScript(String run, ShardScript script) {
        shardScripts.put(run, script);
    }

    /** Ends the running pod of a Job whose script answered {@link #HANG}. */
    public void finish(String namespace, String jobName, PodEnd end) {
        finishKey(namespace + "/" + jobName, end);
    }

    /** Ends the running pod of index {@code index} of an Indexed Job whose shard script answered {@link #HANG}. */
    public void finishShard(String namespace, String jobName, int index, PodEnd end) {
        finishKey(namespace + "/" + jobName + "#" + index, end);
    }

    /** Waits a little for the pod: a Job the operator just made gets its pod once the kubelet has checked its owner. */
    private void finishKey(String key, PodEnd end) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        CompletableFuture<PodEnd> pending;
        while ((pending = hanging.remove(key)) == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (pending == null) throw new IllegalStateException("no running pod for " + key);
        pending.complete(end);
    }

    /** A hanging pod's key: its Job, and its index when the Job is Indexed. */
    private static String key(Pod pod) {
        String index = pod.getMetadata().getLabels().get(Kubelet.COMPLETION_INDEX_LABEL);
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getLabels().get(Kubelet.JOB_NAME_LABEL)
                + (index == null ? "" : "#" + index);
    }

    @Override
    public void close() {
        kubelet.close();
    }
}
