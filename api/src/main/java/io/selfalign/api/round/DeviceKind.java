package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the trainer computes ({@code runtime.device}). */
public enum DeviceKind {
    /** The CPU. */
    @JsonProperty("cpu")
    CPU,
    /** The first GPU. */
    @JsonProperty("gpu")
    GPU;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static DeviceKind parse(String wireName, String field) {
        return WireNames.parse(DeviceKind.class, wireName, field);
    }
}
