package io.selfalign.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.TestKubelet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two replicas with the chart's leader election: one holds the Lease and reconciles; when it dies the other takes over. */
@ExtendWith(Cluster.Extension.class)
class LeaderElectionE2ETest {
    static final String NS = "e2e-leader";
    static final String LEASE = "selfalign-operator-lease";
    static Cluster cluster;
    static Path kubeconfig;
    static TestKubelet kubelet;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
        cluster.namespace(NS);
        kubeconfig = Chart.operatorKubeconfig(cluster, Chart.installRbac(cluster));
        kubelet = new TestKubelet(cluster.admin);
    }

    @AfterAll
    static void stop() {
        if (kubelet != null) kubelet.close();
    }

    String holder() {
        Lease lease = cluster.admin.leases().inNamespace(Chart.NAMESPACE).withName(LEASE).get();
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }

    AlignmentRun run(String name) {
        return cluster.admin.resource(Runs.run(NS, name, 1)).create();
    }

    @Test
    void oneOfTwoReplicasLeadsAndTheOtherTakesOverWhenItDies() throws Exception {
        try (OperatorProcess a = OperatorProcess.start("leader-a", kubeconfig, true).awaitHealth("live");
                OperatorProcess b = OperatorProcess.start("leader-b", kubeconfig, true).awaitHealth("live")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> holder() != null && !holder().isEmpty());
            String first = holder();
            assertTrue(Set.of("leader-a", "leader-b").contains(first), first);
            run("led");
            Runs.awaitPhase(NS, "led", RunPhase.SUCCEEDED);

            OperatorProcess leader = first.equals("leader-a") ? a : b;
            String other = first.equals("leader-a") ? "leader-b" : "leader-a";
            leader.kill();
            await().atMost(Duration.ofSeconds(90)).until(() -> other.equals(holder()));
            run("after-failover");
            Runs.awaitPhase(NS, "after-failover", RunPhase.SUCCEEDED);
        }
    }
}
