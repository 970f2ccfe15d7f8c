package io.selfalign.operator.reconcile;

import static io.selfalign.operator.testing.OperatorHarness.NS;
import static io.selfalign.operator.testing.OperatorHarness.run;
import static org.awaitility.Awaitility.await;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.OperatorHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reconcile latency and operator heap with 1,000 runs (2 rounds each) on the mock API server. A
 * measurement, not a test: excluded by default; run with {@code ./mvnw -B -o -pl operator -am test -Pbench}.
 */
@Tag("bench")
class ReconcileBenchmark {
    static final int RUNS = Integer.getInteger("bench.runs", 1000);
    final List<Long> nanos = Collections.synchronizedList(new ArrayList<>());

    @Test
    void thousandRuns() throws Exception {
        try (OperatorHarness h = new OperatorHarness(new Metrics() {
            @Override
            public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
                long t = System.nanoTime();
                try {
                    return execution.execute();
                } finally {
                    if ("reconcile".equals(execution.name())) nanos.add(System.nanoTime() - t);
                }
            }
        })) {
            long heapBefore = usedHeapAfterGc();
            long start = System.nanoTime();
            IntStream.range(0, RUNS).parallel().forEach(i -> h.create(run("bench-" + i, 1)));
            await().atMost(Duration.ofMinutes(9)).pollInterval(Duration.ofSeconds(2)).until(() ->
                    h.client.resources(AlignmentRun.class).inNamespace(NS).list().getItems().stream()
                            .filter(r -> r.getStatus() != null && RunPhase.SUCCEEDED.equals(r.getStatus().phase)).count() == RUNS);
            double wall = (System.nanoTime() - start) / 1e9;
            long heapAfter = usedHeapAfterGc();
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            System.out.printf("BENCH runs=%d rounds=%d reconciles=%d wall=%.1fs%n", RUNS, 2 * RUNS, sorted.size(), wall);
            System.out.printf("BENCH reconcile latency ms: p50=%.2f p90=%.2f p99=%.2f max=%.2f%n",
                    pct(sorted, 0.5), pct(sorted, 0.9), pct(sorted, 0.99), sorted.get(sorted.size() - 1) / 1e6);
            System.out.printf("BENCH used heap after GC: before=%.1f MiB after=%.1f MiB (+%.1f KiB per run; includes the mock "
                    + "API server's store and the test kubelet in the same JVM)%n",
                    heapBefore / 1048576.0, heapAfter / 1048576.0, (heapAfter - heapBefore) / 1024.0 / RUNS);
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
