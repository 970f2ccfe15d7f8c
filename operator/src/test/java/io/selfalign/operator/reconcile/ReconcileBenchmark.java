package io.selfalign.operator.reconcile;

import static io.selfalign.operator.testing.OperatorHarness.NS;

import io.selfalign.operator.testing.OperatorHarness;
import io.selfalign.operator.testing.ReconcileLoad;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reconcile latency and operator heap with 1,000 runs (2 rounds each) on the mock API server ({@link ReconcileLoad};
 * the end-to-end module runs the same load on a real kube-apiserver). A measurement, not a test: excluded by default;
 * run with {@code ./mvnw -B -o -pl operator -am test -Pbench}.
 */
@Tag("bench")
class ReconcileBenchmark {
    static final int RUNS = Integer.getInteger("bench.runs", 1000);

    @Test
    void thousandRuns() throws Exception {
        try (OperatorHarness h = new OperatorHarness(false)) {
            ReconcileLoad.measure(h.client, NS, RUNS, Duration.ofMinutes(9))
                    .print("includes the mock API server's store and the test kubelet in the same JVM");
        }
    }
}
