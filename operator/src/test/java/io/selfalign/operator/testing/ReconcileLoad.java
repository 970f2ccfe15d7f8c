package io.selfalign.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.metrics.RunMetrics;
import io.selfalign.testkit.SampleRuns;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The reconcile benchmark on any API server (Fabric8's mock in the operator module, a real kube-apiserver in the
 * end-to-end module): {@code runs} AlignmentRuns of 2 rounds each created at once, the real reconciler in a plain
 * JOSDK operator ({@link PlainOperator}) and the {@link TestKubelet} in this JVM. Measures how long
 * each reconciliation takes (JOSDK's timing callback around the reconciler, not the time a run waits in the queue),
 * the time until every run is Succeeded (seen by an informer, at most 0.5 s late), and this JVM's used heap after GC
 * before the runs are created and after they all succeeded.
 */
public final class ReconcileLoad {
    /** What one measurement found; latencies in milliseconds. */
    public record Result(int runs, int reconciles, double wallSeconds, double p50, double p90, double p99, double max,
                         long heapBefore, long heapAfter) {
        public void print(String heapNote) {
            System.out.printf("BENCH runs=%d rounds=%d reconciles=%d wall=%.1fs%n", runs, 2 * runs, reconciles, wallSeconds);
            System.out.printf("BENCH reconcile latency ms: p50=%.2f p90=%.2f p99=%.2f max=%.2f%n", p50, p90, p99, max);
            System.out.printf("BENCH used heap after GC: before=%.1f MiB after=%.1f MiB (+%.1f KiB per run; %s)%n",
                    heapBefore / 1048576.0, heapAfter / 1048576.0, (heapAfter - heapBefore) / 1024.0 / runs, heapNote);
        }
    }

    private ReconcileLoad() {}

    /** Runs the load in {@code namespace} (which must exist, with the CRD installed) and waits up to {@code timeout}. */
    public static Result measure(KubernetesClient client, String namespace, int runs, Duration timeout) throws InterruptedException {
        if (runs < 1) throw new IllegalArgumentException("bench.runs: the number of runs must be at least 1, got " + runs);
        List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
        Metrics timing = new Metrics() {
            @Override
            public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
                long t = System.nanoTime();
                try {
                    return execution.execute();
                } finally {
                    if ("reconcile".equals(execution.name())) nanos.add(System.nanoTime() - t);
                }
            }
        };
        Operator operator = null;
        try (TestKubelet kubelet = new TestKubelet(client)) {
            operator = PlainOperator.start(client, timing, new RunMetrics(new SimpleMeterRegistry()));
            long heapBefore = usedHeapAfterGc();
            long start = System.nanoTime();
            // Counted from an informer, which receives each change once: listing every run every few seconds (MBs of
            // JSON from a real server) would load the API server and this client's event loops, the operator's too.
            double wall;
            try (SharedIndexInformer<AlignmentRun> watched = client.resources(AlignmentRun.class).inNamespace(namespace).inform()) {
                IntStream.range(0, runs).parallel().forEach(i -> client.resource(SampleRuns.run(namespace, "bench-" + i, 1)).create());
                await().atMost(timeout).pollInterval(Duration.ofMillis(500)).until(() -> watched.getStore().list().stream()
                        .filter(r -> r.getStatus() != null && RunPhase.SUCCEEDED.equals(r.getStatus().phase)).count() == runs);
                wall = (System.nanoTime() - start) / 1e9;
            }
            long heapAfter = usedHeapAfterGc();
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            return new Result(runs, sorted.size(), wall, pct(sorted, 0.5), pct(sorted, 0.9), pct(sorted, 0.99),
                    sorted.get(sorted.size() - 1) / 1e6, heapBefore, heapAfter);
        } finally {
            if (operator != null) operator.stop();
        }
    }

    static double pct(List<Long> sorted, double q) {
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size()))) / 1e6;
    }

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
