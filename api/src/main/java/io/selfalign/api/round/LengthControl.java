package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the judge keeps response length from deciding its labels ({@code judge.lengthControl}). The summed
 * implicit reward grows with every token the policy up-weights relative to the reference, so once a policy
 * drifts longer its judge prefers longer responses, and each round amplifies the last (docs/judge.md).
 */
public enum LengthControl {
    /** Rewards as they are (SPA). */
    @JsonProperty("none")
    NONE,
    /**
     * Length-debiased rewards: regress the round's rewards (all pairable candidates) on response length by least
     * squares and subtract the fitted length term, as length-controlled win rates do; then best versus worst.
     */
    @JsonProperty("regress")
    REGRESS,
    /** Pair only candidates of equal length (best versus worst within the length with the widest reward gap). */
    @JsonProperty("match")
    MATCH;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static LengthControl parse(String wireName, String field) {
        return WireNames.parse(LengthControl.class, wireName, field);
    }
}
