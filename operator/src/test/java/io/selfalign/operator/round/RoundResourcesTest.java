package io.selfalign.operator.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.config.OperatorSettings;
import io.selfalign.operator.testing.OperatorHarness;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoundResourcesTest {
    @Test
    void jobFollowsTheRoundContractAndTheRestrictedPodSecurityStandard() {
        AlignmentRun run = OperatorHarness.run("zephyr", 2);
        run.getSpec().roundTimeout = "1h30m";
        Job job = new RoundResources(OperatorHarness.settings()).job(run, 1);
        var spec = job.getSpec();
        assertEquals("zephyr-iter-1", job.getMetadata().getName());
        assertEquals("1", job.getMetadata().getLabels().get(Rounds.ITERATION_LABEL));
        assertEquals(2, spec.getBackoffLimit());
        assertEquals(5400L, spec.getActiveDeadlineSeconds());
        assertEquals("FailJob", spec.getPodFailurePolicy().getRules().get(0).getAction());
        assertEquals(78, spec.getPodFailurePolicy().getRules().get(0).getOnExitCodes().getValues().get(0));
        assertEquals("DisruptionTarget", spec.getPodFailurePolicy().getRules().get(1).getOnPodConditions().get(0).getType());
        var pod = spec.getTemplate().getSpec();
        assertEquals("Never", pod.getRestartPolicy());
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        Container c = pod.getContainers().get(0);
        assertEquals(RoundResources.TRAINER_COMMAND, c.getCommand());
        assertEquals("ghcr.io/selfalign/trainer:test", c.getImage());
        assertEquals("FallbackToLogsOnError", c.getTerminationMessagePolicy());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals("ALL", c.getSecurityContext().getCapabilities().getDrop().get(0));
        assertEquals("1", c.getResources().getLimits().get("nvidia.com/gpu").getAmount());
        assertEquals("/workspace", c.getVolumeMounts().get(0).getMountPath());
        assertEquals("/etc/selfalign", c.getVolumeMounts().get(1).getMountPath());
        assertEquals("shared", pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
        assertEquals("zephyr-iter-1", pod.getVolumes().get(1).getConfigMap().getName());
        // the read-only root filesystem leaves /tmp (HOME, JVM temp files) on an emptyDir
        assertEquals("/tmp", c.getVolumeMounts().get(2).getMountPath());
        assertEquals("tmp", c.getVolumeMounts().get(2).getName());
        assertNotNull(pod.getVolumes().get(2).getEmptyDir());
        assertNull(pod.getNodeSelector());
        assertNull(pod.getTolerations());
    }

    @Test
    void trainerPodsCarryNoApiTokenRequestResourcesAndCapTmp() {
        var pod = new RoundResources(OperatorHarness.settings()).job(OperatorHarness.run("hardened", 1), 1)
                .getSpec().getTemplate().getSpec();
        assertEquals(false, pod.getAutomountServiceAccountToken(), "the trainer needs no Kubernetes API access");
        assertEquals(new Quantity("2Gi"), pod.getVolumes().get(2).getEmptyDir().getSizeLimit());
        var resources = pod.getContainers().get(0).getResources();
        assertEquals(Map.of("cpu", new Quantity("1"), "memory", new Quantity("4Gi")), resources.getRequests(),
                "not BestEffort, the first pod evicted under node pressure");
        assertEquals("1", resources.getLimits().get("nvidia.com/gpu").getAmount());
    }

    @Test
    void defaultRequestsNeverOverrideOrContradictTheRunsOwn() {
        AlignmentRun run = OperatorHarness.run("sized", 1);
        // A memory limit alone: Kubernetes takes the request from it; a default 4Gi request would exceed the 2Gi limit.
        run.getSpec().trainer.resources = new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("8")).addToLimits("memory", new Quantity("2Gi")).build();
        var resources = new RoundResources(OperatorHarness.settings()).job(run, 1).getSpec().getTemplate().getSpec()
                .getContainers().get(0).getResources();
        assertEquals(Map.of("cpu", new Quantity("8")), resources.getRequests());
        assertEquals(Map.of("memory", new Quantity("2Gi")), resources.getLimits());
    }

    @Test
    void operatorPlacementDefaultsApplyOnlyWhenTheRunSetsNone() {
        Toleration gpu = new TolerationBuilder().withKey("nvidia.com/gpu").withOperator("Exists").withEffect("NoSchedule").build();
        OperatorSettings defaults = new OperatorSettings("ghcr.io/selfalign/trainer:test", Optional.empty(), "nvidia.com/gpu",
                Map.of("pool", "gpu"), List.of(gpu));
        RoundResources resources = new RoundResources(defaults);

        var pod = resources.job(OperatorHarness.run("plain", 1), 0).getSpec().getTemplate().getSpec();
        assertEquals(Map.of("pool", "gpu"), pod.getNodeSelector());
        assertEquals(List.of(gpu), pod.getTolerations());

        AlignmentRun own = OperatorHarness.run("own", 1);
        Toleration spot = new TolerationBuilder().withKey("spot").withOperator("Exists").build();
        own.getSpec().trainer.nodeSelector = Map.of("pool", "a100");
        own.getSpec().trainer.tolerations = List.of(spot);
        var ownPod = resources.job(own, 0).getSpec().getTemplate().getSpec();
        assertEquals(Map.of("pool", "a100"), ownPod.getNodeSelector());
        assertEquals(List.of(spot), ownPod.getTolerations());
    }
}
