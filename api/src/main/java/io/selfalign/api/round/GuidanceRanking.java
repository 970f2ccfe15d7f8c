package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the guidance model is fitted to in a round ({@code training.guidance.ranking}, docs/algorithm.md §6). */
public enum GuidanceRanking {
    /** Every prompt's K candidates in the judge's order: Plackett–Luce (K = 2 is Bradley–Terry). */
    @JsonProperty("listwise")
    LISTWISE,
    /** Only the selected pair of each prompt, best over worst: Bradley–Terry. */
    @JsonProperty("pairwise")
    PAIRWISE;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static GuidanceRanking parse(String wireName, String field) {
        return WireNames.parse(GuidanceRanking.class, wireName, field);
    }
}
