package io.selfalign.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.testing.TestKubelet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real 409s on the operator's status writes: a concurrent writer ({@link ConcurrentWriterWebhook}) changes the run
 * between the operator's read and its write, twice in a row. The write lands on the retry, nothing is lost (neither
 * the operator's status nor the other writer's change), and the conflicts never reach the run as an error.
 */
@ExtendWith(Cluster.Extension.class)
class ConflictE2ETest {
    static final String NS = "e2e-conflict";
    /** The user of kube-api-test's admin client certificate (CN), which the webhook writes with. */
    static final String ADMIN = "kubeapitest";

    @Test
    void aStatusWriteThatConflictsIsWrittenAgainAndNothingIsLost() throws Exception {
        Cluster cluster = Cluster.shared();
        cluster.namespace(NS);
        String serviceAccount = Chart.installRbac(cluster);
        AlignmentRun run = Runs.run(NS, "contended", 2);
        run.getMetadata().setLabels(Map.of(ConcurrentWriterWebhook.LABEL, "true"));
        try (ConcurrentWriterWebhook writer = new ConcurrentWriterWebhook(cluster, "e2e-concurrent-writer", 2);
                TestKubelet kubelet = new TestKubelet(cluster.admin);
                OperatorProcess operator = OperatorProcess.startWatching(NS, "conflict-operator", Chart.operatorKubeconfig(cluster, serviceAccount))
                        .awaitHealth("ready")) {
            cluster.admin.resource(run).create();
            AlignmentRun done = Runs.awaitPhase(NS, "contended", RunPhase.SUCCEEDED);

            List<String> statusWrites = Audit.requestsOf(cluster, Chart.user(serviceAccount)).stream()
                    .filter(e -> NS.equals(e.path("objectRef").path("namespace").asText())
                            && "status".equals(e.path("objectRef").path("subresource").asText()))
                    .map(e -> e.path("verb").asText() + " " + Audit.code(e)).toList();
            assertEquals(List.of("update 409", "update 409", "update 200"), statusWrites.subList(0, 3),
                    "the first status write met the concurrent writer twice, then landed: " + statusWrites);
            assertTrue(statusWrites.subList(3, statusWrites.size()).stream().allMatch(w -> w.endsWith(" 200")), statusWrites.toString());
            assertTrue(writer.seen.get() >= statusWrites.size(), "the webhook saw every status write: " + writer.seen.get());

            // Nothing lost: the concurrent writer's annotation, every round in the status, one Job per round.
            assertEquals("2", done.getMetadata().getAnnotations().get(ConcurrentWriterWebhook.ANNOTATION));
            assertEquals(3, done.getStatus().iterations.size(), done.getStatus().iterations.toString());
            assertTrue(done.getStatus().iterations.stream().allMatch(i -> i.phase == RunPhase.SUCCEEDED), done.getStatus().iterations.toString());
            assertEquals(List.of("contended-iter-0", "contended-iter-1", "contended-iter-2"), cluster.admin.batch().v1().jobs().inNamespace(NS)
                    .withLabel(Rounds.RUN_LABEL, "contended").list().getItems().stream().map(j -> j.getMetadata().getName()).sorted().toList());
            // Retried in place: no reconciliation failed on it, so no ReconcileError event and the condition never turned True.
            assertFalse(cluster.admin.v1().events().inNamespace(NS).list().getItems().stream()
                    .anyMatch(e -> "ReconcileError".equals(e.getReason())), "a conflict retried in place is not an error");
            assertTrue(done.getStatus().conditions.stream().anyMatch(c -> "ReconcileError".equals(c.getType()) && "False".equals(c.getStatus())),
                    done.getStatus().conditions.toString());
            List<JsonNode> annotations = Audit.requestsOf(cluster, ADMIN).stream().filter(e -> "patch".equals(e.path("verb").asText())
                    && "contended".equals(e.path("objectRef").path("name").asText())).toList();
            assertEquals(2, annotations.size(), "the concurrent writer wrote twice");
        }
    }
}
