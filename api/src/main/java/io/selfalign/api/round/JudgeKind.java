package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What scores a round's candidates ({@code judge.kind}): the sampling policy's own likelihood (with the reference,
 * score and weight options of {@code judge}), or a token-level guidance model fitted to preferences
 * (docs/algorithm.md §6).
 */
public enum JudgeKind {
    /** r = β·[log π(y|x) − θ·log π_ref(y|x)] (docs/judge.md): the reference-free judge by default, SPA's implicit reward with a reference. */
    @JsonProperty("likelihood")
    LIKELIHOOD,
    /** The guidance model's token scores aggregated over the response ({@code training.guidance.aggregation}). */
    @JsonProperty("guidance")
    GUIDANCE;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static JudgeKind parse(String wireName, String field) {
        return WireNames.parse(JudgeKind.class, wireName, field);
    }
}
