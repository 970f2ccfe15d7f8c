package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.selfalign.api.round.WireNames;

/** Values of {@code status.phase} and {@code status.iterations[].phase}. */
public enum RunPhase {
    /** Recorded, nothing started yet. */
    @JsonProperty("Pending")
    PENDING,
    /** A round is running. */
    @JsonProperty("Running")
    RUNNING,
    /** Stopped by spec.suspend. */
    @JsonProperty("Suspended")
    SUSPENDED,
    /** Done; final unless spec.iterations is raised. */
    @JsonProperty("Succeeded")
    SUCCEEDED,
    /** Failed; final. */
    @JsonProperty("Failed")
    FAILED;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static RunPhase parse(String wireName, String field) {
        return WireNames.parse(RunPhase.class, wireName, field);
    }
}
