package io.selfalign.operator.config;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Binds {@code selfalign.*} properties to {@link OperatorSettings}. */
@Singleton
public class SettingsProducer {
    @ConfigProperty(name = "selfalign.trainer.image")
    String trainerImage;

    @ConfigProperty(name = "selfalign.trainer.java-tool-options")
    Optional<String> javaToolOptions;

    @ConfigProperty(name = "selfalign.trainer.gpu-resource")
    String gpuResource;

    @ConfigProperty(name = TrainerPlacement.NODE_SELECTOR)
    Optional<String> nodeSelector;

    @ConfigProperty(name = TrainerPlacement.TOLERATIONS)
    Optional<String> tolerations;

    @ConfigProperty(name = TrainerPolicy.ALLOWED_IMAGE_PREFIXES)
    Optional<List<String>> allowedImagePrefixes;

    @ConfigProperty(name = TrainerPolicy.FORBID_SERVICE_ACCOUNT_OVERRIDE, defaultValue = "false")
    boolean forbidServiceAccountOverride;

    /** At startup, so that a malformed setting stops the operator at once rather than at the first round. */
    @Produces
    @Singleton
    @Startup
    OperatorSettings settings() {
        return new OperatorSettings(trainerImage, javaToolOptions, gpuResource,
                TrainerPlacement.nodeSelector(nodeSelector), TrainerPlacement.tolerations(tolerations),
                new TrainerPolicy(allowedImagePrefixes.orElse(List.of()), forbidServiceAccountOverride));
    }
}
