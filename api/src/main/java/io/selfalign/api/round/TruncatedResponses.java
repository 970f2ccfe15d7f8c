package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the judge does with a candidate cut at {@code maxNewTokens} before EOS ({@code judge.truncated}).
 * Such a response has no EOS term in either model's log-prob while every finished one carries its (usually
 * negative) EOS term, so an implicit-reward judge favours run-on responses.
 */
public enum TruncatedResponses {
    /** Never pair a truncated candidate: pairs come from the finished candidates; a prompt with fewer than two yields none. */
    @JsonProperty("exclude")
    EXCLUDE,
    /** Judge truncated candidates like finished ones (the behaviour before this option). */
    @JsonProperty("keep")
    KEEP;

    /** The JSON name, also what messages print. */
    @Override
    public String toString() {
        return WireNames.of(this);
    }

    /** The constant with this JSON name; fails naming {@code field} and the accepted names. */
    public static TruncatedResponses parse(String wireName, String field) {
        return WireNames.parse(TruncatedResponses.class, wireName, field);
    }
}
