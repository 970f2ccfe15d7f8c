package io.selfalign.operator.reconcile;

import static io.selfalign.operator.testing.OperatorHarness.NS;
import static io.selfalign.operator.testing.OperatorHarness.run;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.OperatorHarness;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A failing Kubernetes API (5xx, 429, a failed status write) is recorded in the status and an event, then retried. */
class ApiFaultsTest {
    OperatorHarness h;

    @BeforeEach
    void start() throws Exception {
        h = new OperatorHarness();
        // The client itself retries a 5xx or 429 (10 times by default, backing off from 100 ms): a short outage never
        // reaches the operator. Without those retries one injected fault stands for an outage that outlasts them.
        h.client.getConfiguration().setRequestRetryBackoffLimit(0);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    static Condition reconcileError(AlignmentRun r) {
        return r.getStatus().conditions == null ? null : r.getStatus().conditions.stream()
                .filter(c -> c.getType().equals("ReconcileError")).findFirst().orElse(null);
    }

    @Test
    void aJobCreationAnsweredWith500Then429IsRecordedAndRetriedUntilItGoesThrough() {
        String jobs = "/apis/batch/v1/namespaces/" + NS + "/jobs";
        h.server.expect().post().withPath(jobs).andReturn(500, "{\"kind\":\"Status\",\"code\":500,\"message\":\"etcdserver: leader changed\"}").once();
        h.server.expect().post().withPath(jobs).andReturn(429, "{\"kind\":\"Status\",\"code\":429,\"message\":\"too many requests\"}").once();
        h.create(run("faulty", 1));
        AlignmentRun failing = h.awaitRun("faulty", r -> reconcileError(r) != null && "True".equals(reconcileError(r).getStatus()));
        Condition error = reconcileError(failing);
        assertEquals("ServerError", error.getReason());
        assertTrue(error.getMessage().contains("HTTP 500") && error.getMessage().contains("retrying with backoff"), error.getMessage());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(h.client.v1().events().inNamespace(NS).list().getItems()
                .stream().anyMatch(e -> "Warning".equals(e.getType()) && "ReconcileError".equals(e.getReason())
                        && e.getMessage().contains("HTTP 500"))));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(h.client.v1().events().inNamespace(NS).list().getItems()
                .stream().anyMatch(e -> "ReconcileError".equals(e.getReason()) && e.getMessage().contains("HTTP 429"))));

        AlignmentRun done = h.awaitRun("faulty", OperatorHarness.phase(RunPhase.SUCCEEDED), Duration.ofSeconds(40));
        assertEquals("False", reconcileError(done).getStatus(), "a reconciliation that got through clears it");
    }

    @Test
    void aForbiddenJobCreationIsRetriedNotTakenForARejectedJob() {
        h.server.expect().post().withPath("/apis/batch/v1/namespaces/" + NS + "/jobs").andReturn(403, "{\"kind\":\"Status\",\"code\":403,"
                + "\"reason\":\"Forbidden\",\"message\":\"jobs.batch is forbidden: User \\\"op\\\" cannot create resource \\\"jobs\\\"\"}").once();
        h.create(run("forbidden", 1));
        AlignmentRun failing = h.awaitRun("forbidden", r -> reconcileError(r) != null && "True".equals(reconcileError(r).getStatus()));
        assertEquals("Forbidden", reconcileError(failing).getReason());
        assertTrue(reconcileError(failing).getMessage().contains("HTTP 403"), reconcileError(failing).getMessage());
        assertNotEquals(RunPhase.FAILED, failing.getStatus().phase, "a refusal of the operator's rights does not fail the round");
        assertEquals(1, failing.getStatus().iterations.size(), "the round recorded before the refusal is kept: " + failing.getStatus());

        AlignmentRun done = h.awaitRun("forbidden", OperatorHarness.phase(RunPhase.SUCCEEDED), Duration.ofSeconds(40));
        assertEquals("False", reconcileError(done).getStatus());
    }

    @Test
    void aFailedStatusWriteIsRecordedAndRetried() {
        h.server.expect().put().withPath("/apis/selfalign.io/v1alpha1/namespaces/" + NS + "/alignmentruns/unwritten/status")
                .andReturn(503, "{\"kind\":\"Status\",\"code\":503,\"message\":\"service unavailable\"}").once();
        h.create(run("unwritten", 1));
        AlignmentRun failing = h.awaitRun("unwritten", r -> reconcileError(r) != null && "True".equals(reconcileError(r).getStatus()));
        assertTrue(reconcileError(failing).getMessage().contains("HTTP 503"), reconcileError(failing).getMessage());
        AlignmentRun done = h.awaitRun("unwritten", OperatorHarness.phase(RunPhase.SUCCEEDED), Duration.ofSeconds(40));
        assertEquals("False", reconcileError(done).getStatus());
    }
}
