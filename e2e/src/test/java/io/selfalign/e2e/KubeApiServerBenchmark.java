package io.selfalign.e2e;

import io.selfalign.operator.testing.ReconcileLoad;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reconcile benchmark of the operator module ({@link ReconcileLoad}: 1,000 runs of 2 rounds, the real
 * reconciler with 8 threads, the test kubelet) against the real kube-apiserver and etcd instead of the mock. A
 * measurement, not a test, and several minutes long: its name matches none of surefire's test patterns, so
 * {@code verify} never runs it; run it by name (docs/performance.md):
 * {@code ./mvnw -B -o -pl e2e -am verify -Dtest=KubeApiServerBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * {@code -Dbench.runs=N} changes the number of runs.
 */
@ExtendWith(Cluster.Extension.class)
class KubeApiServerBenchmark {
    static final int RUNS = Integer.getInteger("bench.runs", 1000);

    @Test
    void thousandRuns() throws Exception {
        Cluster cluster = Cluster.shared();
        // The cluster-admin client: the operator's rights are the RBAC tests' business, not this measurement's.
        ReconcileLoad.measure(cluster.admin, cluster.namespace("bench"), RUNS, Duration.ofMinutes(20))
                .print("operator, informers and test kubelet; the API server and etcd are other processes");
    }
}
