package io.selfalign.operator.config;

import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's own settings (application.properties, {@code selfalign.*}); a plain record so that the
 * reconciler runs the same inside Quarkus and in local mode.
 *
 * @param trainerImage        image of a round's trainer when the run does not name one
 * @param javaToolOptions     JAVA_TOOL_OPTIONS given to every trainer container, if set
 * @param gpuResource         the extended resource that means "this trainer has a GPU"
 * @param trainerNodeSelector node selector of a round's pod when the run sets none
 * @param trainerTolerations  tolerations of a round's pod when the run sets none
 * @param trainerPolicy       what runs may choose about their trainer pod
 */
public record OperatorSettings(String trainerImage, Optional<String> javaToolOptions, String gpuResource,
                               Map<String, String> trainerNodeSelector, List<Toleration> trainerTolerations,
                               TrainerPolicy trainerPolicy) {
    public OperatorSettings {
        trainerNodeSelector = Map.copyOf(trainerNodeSelector);
        trainerTolerations = List.copyOf(trainerTolerations);
    }

    /** Settings with the open trainer policy. */
    public OperatorSettings(String trainerImage, Optional<String> javaToolOptions, String gpuResource,
                            Map<String, String> trainerNodeSelector, List<Toleration> trainerTolerations) {
        this(trainerImage, javaToolOptions, gpuResource, trainerNodeSelector, trainerTolerations, TrainerPolicy.OPEN);
    }

    /** Settings without default node selector or tolerations (local mode, tests). */
    public OperatorSettings(String trainerImage, Optional<String> javaToolOptions, String gpuResource) {
        this(trainerImage, javaToolOptions, gpuResource, Map.of(), List.of());
    }
}
