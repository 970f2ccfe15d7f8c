package io.selfalign.api.round;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The one JSON mapping of the round contract, shared by the operator (writer) and the trainer (reader). */
public final class RoundJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private RoundJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public static RoundSpec readSpec(String json) throws JsonProcessingException {
        return MAPPER.readValue(json, RoundSpec.class);
    }

    public static RoundResult readResult(String json) throws JsonProcessingException {
        return MAPPER.readValue(json, RoundResult.class);
    }

    /**
     * SHA-256 over the canonical (sorted-key) JSON of the spec, without its runtime section: where the
     * metrics port or termination log path points does not change what the round computes.
     */
    public static String specHash(RoundSpec spec) {
        RoundSpec canonical = spec.withRuntime(null);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(write(canonical).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
