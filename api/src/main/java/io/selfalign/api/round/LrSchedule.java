package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Learning-rate decay after warm-up ({@code training.schedule}), as Hugging Face's schedulers. */
public enum LrSchedule {
    /** Half a cosine down to 0. */
    @JsonProperty("cosine")
    COSINE,
    /** Linear down to 0. */
    @JsonProperty("linear")
    LINEAR,
    /** The peak rate after warm-up. */
    @JsonProperty("constant")
    CONSTANT;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static LrSchedule parse(String wireName, String field) {
        return WireNames.parse(LrSchedule.class, wireName, field);
    }
}
