package io.selfalign.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a real API server enforces on the objects the test kit writes and the mock server stores as given: the kit
 * (test-kit's Kubelet) writes Job and pod status the way these rules demand.
 */
@ExtendWith(Cluster.Extension.class)
class ServerRulesE2ETest {
    static final String NS = "e2e-rules";
    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
        cluster.namespace(NS);
    }

    /** The other classes' test kit would otherwise play these Jobs. */
    @AfterAll
    static void removeJobs() {
        if (cluster != null) cluster.admin.batch().v1().jobs().inNamespace(NS).delete();
    }

    static Job job(String name) {
        return cluster.admin.resource(new JobBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("trainer").withImage("busybox").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    @Test
    void aCompleteJobNeedsSuccessCriteriaMetAndAFailedOneFailureTarget() {
        for (String type : List.of("Complete", "Failed")) {
            Job job = job("only-" + type.toLowerCase());
            JobStatus s = new JobStatus();
            s.setStartTime(Instant.now().toString());
            if (type.equals("Complete")) s.setCompletionTime(Instant.now().toString());
            s.setConditions(List.of(new JobConditionBuilder().withType(type).withStatus("True").withReason("Test")
                    .withLastTransitionTime(Instant.now().toString()).build()));
            job.setStatus(s);
            KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> cluster.admin.resource(job).updateStatus());
            assertEquals(422, e.getCode(), e.getMessage());
            String needed = type.equals("Complete") ? "SuccessCriteriaMet" : "FailureTarget";
            assertTrue(e.getMessage().contains(needed), e.getMessage());
        }
    }

    @Test
    void aPodsStatusOnCreateIsIgnored() {
        Pod pod = cluster.admin.resource(new PodBuilder().withNewMetadata().withName("p").withNamespace(NS).endMetadata()
                .withNewSpec().addNewContainer().withName("trainer").withImage("busybox").endContainer().endSpec()
                .withNewStatus().withPhase("Running").endStatus().build()).create();
        assertEquals("Pending", pod.getStatus().getPhase());
    }
}
