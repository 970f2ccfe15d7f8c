package io.selfalign.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.testing.TestKubelet;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A whole run on a real API server: the packaged operator as the chart's ServiceAccount, rounds played by the test kit. */
@ExtendWith(Cluster.Extension.class)
class RunE2ETest {
    static final String NS = "e2e-run";
    static Cluster cluster;
    static String serviceAccount;
    static Path operatorKubeconfig;
    static TestKubelet kubelet;
    static OperatorProcess operator;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
        cluster.namespace(NS);
        serviceAccount = Chart.installRbac(cluster);
        operatorKubeconfig = Chart.operatorKubeconfig(cluster, serviceAccount);
        kubelet = new TestKubelet(cluster.admin);
        operator = OperatorProcess.start("run-operator", operatorKubeconfig, false).awaitHealth("ready");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (operator != null) operator.close();
        if (kubelet != null) kubelet.close();
    }

    @Test
    void threeRoundsSucceedWithEveryStatusWriteThroughTheStatusSubresource() {
        cluster.admin.resource(Runs.run(NS, "three", 2)).create();
        AlignmentRun done = Runs.awaitPhase(NS, "three", RunPhase.SUCCEEDED);

        assertEquals(3, done.getStatus().iterations.size());
        assertTrue(done.getStatus().iterations.stream().allMatch(i -> i.phase == RunPhase.SUCCEEDED), done.getStatus().iterations.toString());
        List<Job> jobs = cluster.admin.batch().v1().jobs().inNamespace(NS).withLabel(Rounds.RUN_LABEL, "three").list().getItems();
        assertEquals(List.of("three-iter-0", "three-iter-1", "three-iter-2"), jobs.stream().map(j -> j.getMetadata().getName()).sorted().toList());
        // A real server drops status written through the main resource: what is stored came through /status, and
        // the field manager of every status field says so.
        List<ManagedFieldsEntry> statusOwners = done.getMetadata().getManagedFields().stream()
                .filter(m -> m.getFieldsV1() != null && m.getFieldsV1().getAdditionalProperties().containsKey("f:status")).toList();
        assertFalse(statusOwners.isEmpty(), "someone wrote the status");
        for (ManagedFieldsEntry m : statusOwners) assertEquals("status", m.getSubresource(), m.getManager() + " " + m.getOperation());
    }

    @Test
    void everyCallOfTheOperatorIsAllowedByTheChartsRbac() {
        cluster.admin.resource(Runs.run(NS, "rbac", 1)).create();
        Runs.awaitPhase(NS, "rbac", RunPhase.SUCCEEDED);
        List<JsonNode> calls = Audit.requestsOf(cluster, Chart.user(serviceAccount));
        assertTrue(calls.size() > 10, "the operator's calls are audited under its ServiceAccount: " + calls.size());
        List<String> denied = calls.stream().filter(e -> Audit.code(e) == 403).map(Audit::describe).distinct().toList();
        assertEquals(List.of(), denied, "calls the chart's roles do not allow");
        assertFalse(operator.logText().contains("Forbidden"), operator.logText());
    }

    @Test
    void kubectlShowsPrinterColumnsWaitsForCompleteAndExplainsTheSpec() {
        cluster.admin.resource(Runs.run(NS, "shown", 1)).create();
        Kubectl.Result waited = Kubectl.run(cluster.adminKubeconfig, "wait", "--for=condition=Complete", "alignmentrun/shown",
                "-n", NS, "--timeout=120s");
        assertEquals(0, waited.exitCode(), waited.output());
        assertTrue(waited.output().contains("condition met"), waited.output());

        // Through the ServiceAccount's token: over TLS kubectl sends it (over plain http it would not).
        Kubectl.Result table = Kubectl.run(operatorKubeconfig, "get", "arun", "shown", "-n", NS);
        assertEquals(0, table.exitCode(), table.output());
        String[] lines = table.output().strip().split("\n");
        assertEquals(List.of("NAME", "PHASE", "ITERATION", "ITERATIONS", "COMPLETE", "JUDGE", "ACC", "BEST", "AGE"),
                List.of(lines[0].trim().split("\\s+")), table.output());
        assertTrue(lines[1].startsWith("shown") && lines[1].contains("Succeeded"), table.output());

        Kubectl.Result explain = Kubectl.run(cluster.adminKubeconfig, "explain", "alignmentrun.spec.iterations");
        assertEquals(0, explain.exitCode(), explain.output());
        assertTrue(explain.output().contains("FIELD: iterations <integer>"), explain.output());
    }
}
