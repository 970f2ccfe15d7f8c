package io.selfalign.operator.round;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.RoundSpecFactory;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The round specs this operator writes: the contract's {@link RoundSpecFactory} with the runtime of this
 * cluster's trainer pods (GPU when the pod gets this cluster's GPU resource, the metrics port, the
 * termination log).
 */
public final class RoundSpecs {
    /** Rounds kept made: a few thousand rounds' round.json are a few MiB. */
    private static final int MAX_KEPT = 2048;

    private final String gpuResource;
    /** Least recently used first, so the rounds of finished or deleted runs make room. */
    private final Map<RoundKey, Round> made = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RoundKey, Round> eldest) {
            return size() > MAX_KEPT;
        }
    });

    public RoundSpecs(String gpuResource) {
        this.gpuResource = gpuResource;
    }

    /**
     * Round k as the operator writes it.
     *
     * @param json     its round.json
     * @param problems the trainer's own checks of it ({@link RoundSpec#problems()})
     */
    public record Round(RoundSpec spec, String json, List<String> problems) {}

    private record RoundKey(String uid, long generation, int k) {}

    /**
     * Round k of {@code run}, made once per run generation: the validator checks every round of a run at each
     * reconcile, and the round's ConfigMap is written from the same bytes. All a round is made from is the run's spec
     * and identity, which change only with its uid or generation; a run without them (not read from an API server)
     * is made anew.
     */
    public Round round(AlignmentRun run, int k) {
        var meta = run.getMetadata();
        if (meta.getUid() == null || meta.getGeneration() == null) return make(run, k);
        return made.computeIfAbsent(new RoundKey(meta.getUid(), meta.getGeneration(), k), key -> make(run, k));
    }

    private Round make(AlignmentRun run, int k) {
        RoundSpec spec = create(run, k);
        return new Round(spec, RoundJson.write(spec), List.copyOf(spec.problems()));
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
