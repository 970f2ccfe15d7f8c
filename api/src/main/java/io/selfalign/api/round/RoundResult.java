package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a finished round reports: written to {@code <outputDir>/result.json} and, compacted to at most
 * {@link #MAX_TERMINATION_BYTES}, to the pod's termination log, from which the operator reads it.
 *
 * <p>What the operator decides on is typed: {@code guardStopped}, {@code judgeAccuracy}, {@code validationAccuracy}.
 * They are also in {@link #metrics} under their documented names ({@link #DECISION_METRICS}), for the status, the
 * Prometheus gauges and tables, and for readers older than these fields; the compact constructor keeps both
 * agreeing, and lifts them from {@code metrics} in results written before the typed fields existed.
 *
 * @param specHash           the round's identity ({@link RoundJson#specHash}: the canonical spec without what does not
 *                           change the round, such as {@code iterations}); a rerun that finds a result with the same
 *                           hash and the same {@code inputDigests} reports it again instead of recomputing
 * @param checkpoint         the trained model directory ({@code <outputDir>/model}); null only when the guard
 *                           stopped the round
 * @param guardStopped       the guard ({@link Guard}) kept the round from training (omitted when false)
 * @param judgeAccuracy      share of the validation pairs the round's judge orders like the gold labels (ties
 *                           count half), measured before training; null without validation pairs or judge (iteration 0)
 * @param validationAccuracy the same measure for the model the round trained (the next round's judge); null when
 *                           not measured
 * @param metrics            numeric metrics of the round (names documented in docs/round.md#round-metrics), e.g.
 *                           {@code pairs}, {@code ties}, {@code loss_final}, {@code margin}, {@code accuracy},
 *                           {@code flagged_fraction}, {@code gen_tokens_per_s}, {@code train_tokens_per_s}
 * @param message            a short human-readable summary
 * @param manifest           every output file of the round (except result.json itself) with its size and SHA-256,
 *                           checked before the round is reported again and before a later round trains on its
 *                           model; kept in result.json only (a sharded checkpoint's manifest would not fit the
 *                           termination message), null in results written before manifests existed
 * @param inputDigests       SHA-256 of each input the round read, by its spec path: the seed and validation
 *                           preference files whole, the prompts of iterations k >= 1 as the slice of rows the round used
 *                           (key {@code <path> rows <first>..<last>}), and the models it loaded (key {@code <path> (model)}:
 *                           an earlier round's model by the digests in that round's manifest, the base model by its
 *                           files). A rerun with the same spec hash computes the round again when one differs. Kept in
 *                           result.json only; null in results written before it existed, which are still reused
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoundResult(
        int version,
        int iteration,
        String specHash,
        String checkpoint,
        double durationSeconds,
        // Omitted when false, and false when absent (the round.json mapper fails on other absent primitives).
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY) boolean guardStopped,
        Double judgeAccuracy,
        Double validationAccuracy,
        Map<String, Double> metrics,
        String message,
        List<FileDigest> manifest,
        Map<String, String> inputDigests) {

    /** Kubernetes keeps at most 4096 bytes of a termination message. */
    public static final int MAX_TERMINATION_BYTES = 4096;

    private static final String GUARD_STOPPED = "guard_stopped";
    private static final String JUDGE_ACCURACY = "judge_accuracy";
    private static final String VALIDATION_ACCURACY = "validation_accuracy";
    /** How many held-out pairs {@code validation_accuracy} was measured on: {@link BestRound} tests differences with it. */
    public static final String VALIDATION_PAIRS = "validation_pairs";
    /**
     * Share of the held-out pairs the trained model's own mean log-probability orders like the gold labels: what
     * {@link BestRound} ranks rounds by, whatever the judge.
     */
    public static final String VALIDATION_POLICY_ACCURACY = "validation_policy_accuracy";
    /** The names of the metrics the operator decides on: the typed fields and the size of their sample. */
    public static final Set<String> DECISION_METRICS = Set.of(GUARD_STOPPED, JUDGE_ACCURACY, VALIDATION_ACCURACY, VALIDATION_PAIRS,
            VALIDATION_POLICY_ACCURACY);

    public RoundResult {
        guardStopped = guardStopped || guardStopped(metrics);
        if (judgeAccuracy == null) judgeAccuracy = judgeAccuracy(metrics);
        if (validationAccuracy == null) validationAccuracy = validationAccuracy(metrics);
        if (metrics != null || guardStopped || judgeAccuracy != null || validationAccuracy != null) {
            Map<String, Double> all = new LinkedHashMap<>(metrics == null ? Map.of() : metrics);
            if (guardStopped) all.put(GUARD_STOPPED, 1.0);
            if (judgeAccuracy != null) all.put(JUDGE_ACCURACY, judgeAccuracy);
            if (validationAccuracy != null) all.put(VALIDATION_ACCURACY, validationAccuracy);
            metrics = Collections.unmodifiableMap(all);
        }
    }

    /** A result without input digests. */
    public RoundResult(int version, int iteration, String specHash, String checkpoint, double durationSeconds, boolean guardStopped,
                       Double judgeAccuracy, Double validationAccuracy, Map<String, Double> metrics, String message,
                       List<FileDigest> manifest) {
        this(version, iteration, specHash, checkpoint, durationSeconds, guardStopped, judgeAccuracy, validationAccuracy, metrics,
                message, manifest, null);
    }

    /** A result whose decision fields are in {@code metrics} only (what results before the typed fields carried). */
    public RoundResult(int version, int iteration, String specHash, String checkpoint, double durationSeconds,
                       Map<String, Double> metrics, String message) {
        this(version, iteration, specHash, checkpoint, durationSeconds, false, null, null, metrics, message, null, null);
    }

    /** This result without its manifest and input digests (what the termination message carries). */
    public RoundResult withoutManifest() {
        return new RoundResult(version, iteration, specHash, checkpoint, durationSeconds, guardStopped, judgeAccuracy,
                validationAccuracy, metrics, message, null, null);
    }

    /** This result with another message and other metrics (the decision fields stay). */
    public RoundResult with(String otherMessage, Map<String, Double> otherMetrics) {
        return new RoundResult(version, iteration, specHash, checkpoint, durationSeconds, guardStopped, judgeAccuracy,
                validationAccuracy, otherMetrics, otherMessage, manifest, inputDigests);
    }

    /** Whether reported metrics (a result's, a status entry's) say the guard stopped the round. */
    public static boolean guardStopped(Map<String, Double> metrics) {
        return metrics != null && metrics.getOrDefault(GUARD_STOPPED, 0.0) > 0;
    }

    /** {@link #judgeAccuracy} as reported metrics carry it, or null. */
    public static Double judgeAccuracy(Map<String, Double> metrics) {
        return metrics == null ? null : metrics.get(JUDGE_ACCURACY);
    }

    /** {@link #validationAccuracy} as reported metrics carry it, or null. */
    public static Double validationAccuracy(Map<String, Double> metrics) {
        return metrics == null ? null : metrics.get(VALIDATION_ACCURACY);
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
