package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a round picks its judge's reference weight θ in r = log π(y|x) − θ·log π_ref(y|x) ({@code judge.select}).
 * A judge that only sharpens the policy's own likelihood (θ = 0) cannot move it away from a habit the seed pairs
 * teach against; the implicit reward (θ = 1) carries that direction but also whatever else training moved, such
 * as length. Which mix labels best depends on the task, so it can be measured each round on the held-out pairs.
 */
public enum JudgeSelection {
    /** The weight as configured ({@code judge.referenceWeight}). */
    @JsonProperty("none")
    NONE,
    /**
     * Each round scores the held-out validation pairs with every weight of a grid (0, ¼, ½, ¾, 1) and judges with θ = 0
     * unless a larger weight orders the pairs significantly better (a one-sided paired test at the 5% level), and then
     * with the most accurate of those.
     */
    @JsonProperty("validation")
    VALIDATION;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static JudgeSelection parse(String wireName, String field) {
        return WireNames.parse(JudgeSelection.class, wireName, field);
    }
}
