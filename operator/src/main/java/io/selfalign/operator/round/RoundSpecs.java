package io.selfalign.operator.round;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.RoundSpecFactory;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The round specs this operator writes: the contract's {@link RoundSpecFactory} with the runtime of this
 * cluster's trainer pods (GPU when the pod gets this cluster's GPU resource, the metrics port, the
 * termination log).
 */
public final class RoundSpecs {
    private final String gpuResource;

    public RoundSpecs(String gpuResource) {
        this.gpuResource = gpuResource;
    }

    public RoundSpec create(AlignmentRun run, int k) {
        return RoundSpecFactory.create(run, k, runtime(run.getSpec()));
    }

    RoundSpec.Runtime runtime(AlignmentRunSpec s) {
        DeviceKind device = requestsGpu(s.trainer.resources) ? DeviceKind.GPU : DeviceKind.CPU;
        return new RoundSpec.Runtime(device, s.model.dtype, Rounds.METRICS_PORT, RoundContract.TERMINATION_LOG);
    }

    /** The trainer's resources as the Job will get them: the run's, or one GPU when it sets none. */
    public ResourceRequirements effectiveResources(ResourceRequirements requested) {
        if (requested != null) return requested;
        ResourceRequirements oneGpu = new ResourceRequirements();
        oneGpu.setLimits(Map.of(gpuResource, new Quantity("1")));
        return oneGpu;
    }

    boolean requestsGpu(ResourceRequirements requested) {
        ResourceRequirements effective = effectiveResources(requested);
        return positive(effective.getLimits()) || positive(effective.getRequests());
    }

    private boolean positive(Map<String, Quantity> quantities) {
        Quantity q = quantities == null ? null : quantities.get(gpuResource);
        return q != null && q.getNumericalAmount().compareTo(BigDecimal.ZERO) > 0;
    }
}
