package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What a finished round reports: written to {@code <outputDir>/result.json} and, compacted to at most
 * {@link #MAX_TERMINATION_BYTES}, to the pod's termination log, from which the operator reads it.
 *
 * @param specHash   SHA-256 of the canonical round spec; a rerun that finds a result with the same hash
 *                   reports it again instead of recomputing
 * @param checkpoint the trained model directory ({@code <outputDir>/model})
 * @param metrics    numeric metrics of the round (names documented in the README), e.g.
 *                   {@code pairs}, {@code ties}, {@code loss_final}, {@code margin}, {@code accuracy},
 *                   {@code flagged_fraction}, {@code gen_tokens_per_s}, {@code train_tokens_per_s}
 * @param message    a short human-readable summary
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoundResult(
        int version,
        int iteration,
        String specHash,
        String checkpoint,
        double durationSeconds,
        Map<String, Double> metrics,
        String message) {

    /** Kubernetes keeps at most 4096 bytes of a termination message. */
    public static final int MAX_TERMINATION_BYTES = 4096;
}
