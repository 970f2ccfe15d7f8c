package io.selfalign.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator with the chart's RBAC minus one verb it needs (create on batch Jobs), against the real server's
 * authorizer: the 403 is recorded on the run (the {@code ReconcileError} condition and a Warning event naming the
 * refused call) and retried with backoff, the run is not failed, and the operator keeps running.
 */
@ExtendWith(Cluster.Extension.class)
class ForbiddenE2ETest {
    static final String NS = "e2e-forbidden";

    @Test
    void aForbiddenJobCreationIsAConditionAndAnEventAndIsRetriedWithBackoff() throws Exception {
        Cluster cluster = Cluster.shared();
        cluster.namespace(NS);
        String serviceAccount = Chart.installRbacWithout(cluster, "nojobs", "batch", "jobs", "create");
        try (OperatorProcess operator = OperatorProcess.startWatching(NS, "forbidden-operator", Chart.operatorKubeconfig(cluster, serviceAccount))
                .awaitHealth("ready")) {
            cluster.admin.resource(Runs.run(NS, "refused", 1)).create();
            var runs = cluster.admin.resources(AlignmentRun.class).inNamespace(NS);
            await().atMost(Duration.ofSeconds(60)).until(() -> "True".equals(reconcileError(runs.withName("refused").get()).getStatus()));
            long firstRefusal = System.nanoTime();

            Condition error = reconcileError(runs.withName("refused").get());
            assertEquals("Forbidden", error.getReason(), error.toString());
            assertTrue(error.getMessage().contains("HTTP 403") && error.getMessage().contains("cannot create resource \"jobs\" in API group \"batch\"")
                    && error.getMessage().contains(Chart.user(serviceAccount)) && error.getMessage().contains("retrying with backoff"),
                    error.getMessage());
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(warnings(cluster).stream()
                    .anyMatch(e -> e.getMessage().contains("cannot create resource \"jobs\"")), warnings(cluster).toString()));

            // Keep watching for 20 s: the operator stays up (live and ready), the run is not failed, and the backoff
            // bounds the refused attempts. JOSDK waits 2 s, 2 s, 4 s, 8 s, ... (@GradualRetry: the first two retries
            // both wait the initial interval), so retry k comes 2^k s after the first attempt: 1 + log2(seconds) attempts.
            Thread.sleep(20_000);
            double seconds = (System.nanoTime() - firstRefusal) / 1e9 + 1;
            operator.awaitHealth("live").awaitHealth("ready");
            AlignmentRun run = runs.withName("refused").get();
            // Not failed: the round recorded before the refused creation is still there, waiting for its Job.
            assertEquals(RunPhase.RUNNING, run.getStatus().phase, run.getStatus().toString());
            assertEquals(RunPhase.PENDING, run.getStatus().iterations.get(0).phase, run.getStatus().toString());
            assertEquals("refused-iter-0", run.getStatus().iterations.get(0).job);
            List<JsonNode> refused = Audit.requestsOf(cluster, Chart.user(serviceAccount)).stream()
                    .filter(e -> Audit.code(e) == 403).toList();
            assertTrue(refused.stream().allMatch(e -> Audit.describe(e).equals("create jobs " + NS + "/ -> 403")),
                    "only the verb taken out is refused: " + refused.stream().map(Audit::describe).toList());
            int bound = 1 + (int) (Math.log(seconds) / Math.log(2));
            assertTrue(refused.size() >= 3 && refused.size() <= bound,
                    refused.size() + " refused Job creations in " + seconds + " s: retried, with backoff (at most " + bound + ")");
            assertTrue(warnings(cluster).size() >= 3, "each failed attempt is an event: " + warnings(cluster).size());
        }
    }

    static Condition reconcileError(AlignmentRun run) {
        if (run == null || run.getStatus() == null || run.getStatus().conditions == null) return new Condition();
        return run.getStatus().conditions.stream().filter(c -> "ReconcileError".equals(c.getType())).findFirst().orElse(new Condition());
    }

    static List<Event> warnings(Cluster cluster) {
        return cluster.admin.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType()) && "ReconcileError".equals(e.getReason())
                        && "refused".equals(e.getInvolvedObject().getName())).toList();
    }
}
