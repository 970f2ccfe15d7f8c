package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the guidance model's token scores r_t of a response become its sequence score e(x, y)
 * ({@code training.guidance.aggregation}, docs/algorithm.md §6).
 */
public enum GuidanceAggregation {
    /** (1/|y|)·Σ_t r_t: the paper's default (without its group-length factor). */
    @JsonProperty("mean")
    MEAN,
    /** Σ_t r_t. */
    @JsonProperty("sum")
    SUM,
    /** min_t r_t: a response is as good as its worst token. */
    @JsonProperty("min")
    MIN;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static GuidanceAggregation parse(String wireName, String field) {
        return WireNames.parse(GuidanceAggregation.class, wireName, field);
    }
}
