package io.selfalign.operator.config;

import java.util.Optional;

/**
 * The operator's own settings (application.properties, {@code selfalign.*}); a plain record so that the
 * reconciler runs the same inside Quarkus and in local mode.
 *
 * @param trainerImage     image of a round's trainer when the run does not name one
 * @param javaToolOptions  JAVA_TOOL_OPTIONS given to every trainer container, if set
 * @param gpuResource      the extended resource that means "this trainer has a GPU"
 */
public record OperatorSettings(String trainerImage, Optional<String> javaToolOptions, String gpuResource) {}
