package io.selfalign.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.testing.TestKubelet;
import io.selfalign.testkit.kubelet.Kubelet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An operator that crashes mid-run: its successor adopts the running round's Job instead of starting another. */
@ExtendWith(Cluster.Extension.class)
class RestartE2ETest {
    static final String NS = "e2e-restart";
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

    List<Job> jobs(String run) {
        return cluster.admin.batch().v1().jobs().inNamespace(NS).withLabel(Rounds.RUN_LABEL, run).list().getItems();
    }

    @Test
    void aRestartedOperatorAdoptsTheRunningRoundsJob() throws Exception {
        kubelet.script("crash", (job, attempt) -> job.getMetadata().getName().endsWith("iter-1") ? TestKubelet.HANG : TestKubelet.success(job));
        AlignmentRun run = Runs.run(NS, "crash", 2);
        String uid;
        try (OperatorProcess first = OperatorProcess.start("restart-operator-1", kubeconfig, false).awaitHealth("ready")) {
            cluster.admin.resource(run).create();
            await().atMost(Duration.ofSeconds(120)).until(() -> jobs("crash").stream().anyMatch(j -> j.getMetadata().getName().equals("crash-iter-1")
                    && j.getStatus() != null && Integer.valueOf(1).equals(j.getStatus().getActive())));
            uid = cluster.admin.batch().v1().jobs().inNamespace(NS).withName("crash-iter-1").get().getMetadata().getUid();
            first.kill();
        }
        try (OperatorProcess second = OperatorProcess.start("restart-operator-2", kubeconfig, false).awaitHealth("ready")) {
            Job running = cluster.admin.batch().v1().jobs().inNamespace(NS).withName("crash-iter-1").get();
            kubelet.finish(NS, "crash-iter-1", TestKubelet.success(running));
            Runs.awaitPhase(NS, "crash", RunPhase.SUCCEEDED);
        }
        assertEquals(List.of("crash-iter-0", "crash-iter-1", "crash-iter-2"), jobs("crash").stream().map(j -> j.getMetadata().getName()).sorted().toList());
        assertEquals(uid, cluster.admin.batch().v1().jobs().inNamespace(NS).withName("crash-iter-1").get().getMetadata().getUid(),
                "the same Job, not a new one");
        assertEquals(1, cluster.admin.pods().inNamespace(NS).withLabel(Kubelet.JOB_NAME_LABEL, "crash-iter-1").list().getItems().size(),
                "one pod: the round ran once");
    }
}
