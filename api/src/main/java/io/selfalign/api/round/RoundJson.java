package io.selfalign.api.round;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
     * A round's identity: SHA-256 over the canonical (sorted-key) JSON of what the round computes from, which is the
     * spec without
     * <ul>
     *   <li>its runtime section: where the metrics port or termination log path points changes nothing computed;</li>
     *   <li>{@code iterations}: how many rounds follow this one changes nothing in it, so raising a finished run's
     *       iterations keeps its finished rounds;</li>
     *   <li>at iteration 0, the prompt range: the seed round reads every prompt of the run to check it, but trains on
     *       the seed pairs alone, and that range grows with {@code iterations}.</li>
     * </ul>
     * The content of the files a round reads is the other half of its identity ({@link RoundResult#inputDigests}).
     */
    public static String specHash(RoundSpec spec) {
        ObjectNode identity = MAPPER.valueToTree(spec.withRuntime(null));
        identity.remove("iterations");
        if (spec.iteration() == 0 && identity.get("data") instanceof ObjectNode data) {
            data.remove("promptOffset");
            data.remove("promptCount");
        }
        return sha256(write(identity));
    }

    /**
     * The hash results carried before {@link #specHash} left out {@code iterations} and the seed round's prompt range:
     * the whole spec without its runtime. A result carrying it was computed from exactly this spec.
     */
    static String wholeSpecHash(RoundSpec spec) {
        return sha256(write(spec.withRuntime(null)));
    }

    /**
     * Whether a finished round's recorded hash is this spec's round: its {@link #specHash}, or, for a result written
     * before that hash left out {@code iterations}, the hash of this whole spec (so an upgrade computes no round again).
     */
    public static boolean sameRound(String recordedHash, RoundSpec spec) {
        return recordedHash != null && (recordedHash.equals(specHash(spec)) || recordedHash.equals(wholeSpecHash(spec)));
    }

    private static String sha256(String json) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
