package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A preference loss of {@code training.loss} (docs/algorithm.md §5); the trainer builds each from its constant. */
public enum Loss {
    /** DPO with confidence-based self-refinement and de-coupled noise detection (SPA). */
    @JsonProperty("spa")
    SPA,
    /** Sigmoid DPO. */
    @JsonProperty("dpo")
    DPO,
    /** Conservative DPO (label smoothing). */
    @JsonProperty("cdpo")
    CDPO,
    /** Robust DPO (unbiased under label noise). */
    @JsonProperty("rdpo")
    RDPO,
    /** IPO (squared loss). */
    @JsonProperty("ipo")
    IPO,
    /** Hinge loss (SLiC). */
    @JsonProperty("hinge")
    HINGE,
    /** SimPO (reference-free, length-normalised, with a margin). */
    @JsonProperty("simpo")
    SIMPO,
    /** ORPO (reference-free, odds ratio plus NLL). */
    @JsonProperty("orpo")
    ORPO,
    /** Token-weighted by the guidance model (weighted likelihood on demonstrations, REINFORCE on own samples). */
    @JsonProperty("guidance")
    GUIDANCE;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static Loss parse(String wireName, String field) {
        return WireNames.parse(Loss.class, wireName, field);
    }
}
