package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The trainer's compute dtype ({@code runtime.dtype}, the run's {@code model.dtype}). */
public enum ComputeDtype {
    /** fp32 throughout. */
    @JsonProperty("float32")
    FLOAT32,
    /** fp16 weights with fp32 master weights and loss scaling. */
    @JsonProperty("float16")
    FLOAT16;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static ComputeDtype parse(String wireName, String field) {
        return WireNames.parse(ComputeDtype.class, wireName, field);
    }
}
