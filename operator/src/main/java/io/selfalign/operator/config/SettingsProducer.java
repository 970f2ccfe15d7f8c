package io.selfalign.operator.config;

import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;
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

    @Produces
    @Singleton
    OperatorSettings settings() {
        return new OperatorSettings(trainerImage, javaToolOptions, gpuResource);
    }
}
