package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the judge scores a response ({@code judge.score}). */
public enum JudgeScore {
    /** Sum of response token log-probs (SPA). */
    @JsonProperty("sum")
    SUM,
    /** Mean of response token log-probs (length-normalised). */
    @JsonProperty("mean")
    MEAN;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static JudgeScore parse(String wireName, String field) {
        return WireNames.parse(JudgeScore.class, wireName, field);
    }
}
