package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What a finished round reports: written to {@code <outputDir>/result.json} and, compacted to at most
 * {@link #MAX_TERMINATION_BYTES}, to the pod's termination log, from which the operator reads it.
 *
 * @param specHash   SHA-256 of the canonical round spec; a rerun that finds a result with the same hash
 *                   reports it again instead of recomputing
 * @param checkpoint the trained model directory ({@code <outputDir>/model})
 * @param metrics    numeric metrics of the round (names documented in docs/round.md#round-metrics), e.g.
 *                   {@code pairs}, {@code ties}, {@code loss_final}, {@code margin}, {@code accuracy},
 *                   {@code flagged_fraction}, {@code gen_tokens_per_s}, {@code train_tokens_per_s}
 * @param message    a short human-readable summary
 * @param manifest   every output file of the round (except result.json itself) with its size and SHA-256,
 *                   checked before the round is reported again and before a later round trains on its
 *                   model; kept in result.json only (a sharded checkpoint's manifest would not fit the
 *                   termination message), null in results written before manifests existed
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
        String message,
        List<FileDigest> manifest) {

    /** Kubernetes keeps at most 4096 bytes of a termination message. */
    public static final int MAX_TERMINATION_BYTES = 4096;

    /** A result without a manifest (what the termination message carries). */
    public RoundResult(int version, int iteration, String specHash, String checkpoint, double durationSeconds,
                       Map<String, Double> metrics, String message) {
        this(version, iteration, specHash, checkpoint, durationSeconds, metrics, message, null);
    }

    /** This result without its manifest. */
    public RoundResult withoutManifest() {
        return new RoundResult(version, iteration, specHash, checkpoint, durationSeconds, metrics, message);
    }

    /**
     * One output file of a round.
     *
     * @param path   relative to the round's output directory, '/'-separated ({@code model/model.safetensors})
     * @param size   in bytes
     * @param sha256 lower-case hex SHA-256 of the content
     */
    public record FileDigest(String path, long size, String sha256) {}
}
