package io.selfalign.operator.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.testing.OperatorHarness;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundSpecsTest {
    final RoundSpecs specs = new RoundSpecs("nvidia.com/gpu");

    @Test
    void withoutResourcesTheTrainerGetsOneGpuAndTheOperatorsRuntime() {
        AlignmentRun run = OperatorHarness.run("zephyr", 2);
        assertEquals(new RoundSpec.Runtime(DeviceKind.GPU, ComputeDtype.FLOAT32, Rounds.METRICS_PORT, RoundContract.TERMINATION_LOG),
                specs.create(run, 1).runtime());
    }

    @Test
    void deviceIsCpuUnlessTheTrainerGetsAGpu() {
        AlignmentRun run = OperatorHarness.run("zephyr", 2);
        ResourceRequirements cpu = new ResourceRequirements();
        cpu.setRequests(Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi")));
        run.getSpec().trainer.resources = cpu;
        assertEquals(DeviceKind.CPU, specs.create(run, 1).runtime().device());
        ResourceRequirements gpu = new ResourceRequirements();
        gpu.setLimits(Map.of("nvidia.com/gpu", new Quantity("2")));
        run.getSpec().trainer.resources = gpu;
        assertEquals(DeviceKind.GPU, specs.create(run, 1).runtime().device());
    }

    @Test
    void aRoundIsMadeOncePerRunGenerationAndAgainWhenTheRunChanges() throws Exception {
        AlignmentRun run = OperatorHarness.run("zephyr", 2);
        run.getMetadata().setUid("uid-1");
        run.getMetadata().setGeneration(1L);
        RoundSpecs.Round first = specs.round(run, 1);
        assertSame(first, specs.round(run, 1), "the validator and the ConfigMap share one round.json per generation");
        assertEquals(RoundJson.write(specs.create(run, 1)), first.json());

        run.getSpec().generation.temperature = 0.9;
        run.getMetadata().setGeneration(2L);
        assertEquals(0.9, RoundJson.readSpec(specs.round(run, 1).json()).generation().temperature());
    }
}
