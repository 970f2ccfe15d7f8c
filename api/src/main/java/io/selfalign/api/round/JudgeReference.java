package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Reference model of the judge's reward ({@code judge.reference}): none by default (the reference-free judge,
 * docs/judge.md), or the reference of SPA's implicit reward.
 */
public enum JudgeReference {
    /** The base model, fixed for all iterations (SPA's choice). */
    @JsonProperty("initial")
    INITIAL,
    /** The model the sampling policy was trained from (its DPO reference): base at iteration 1, else iteration k−2's model. */
    @JsonProperty("previous")
    PREVIOUS,
    /**
     * No reference: r = β·log π(y|x), the policy's own likelihood (with {@code score: mean}, SimPO's reward). No
     * second model is loaded.
     */
    @JsonProperty("none")
    NONE;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static JudgeReference parse(String wireName, String field) {
        return WireNames.parse(JudgeReference.class, wireName, field);
    }
}
