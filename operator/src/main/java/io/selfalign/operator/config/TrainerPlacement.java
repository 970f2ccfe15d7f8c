package io.selfalign.operator.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parses the JSON of {@code selfalign.trainer.node-selector} and {@code selfalign.trainer.tolerations} (the Helm
 * chart renders its values with toJson). Unset, empty or JSON null means none; anything else that is not the
 * right JSON shape is a startup error naming the setting.
 */
final class TrainerPlacement {
    static final String NODE_SELECTOR = "selfalign.trainer.node-selector";
    static final String TOLERATIONS = "selfalign.trainer.tolerations";
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private TrainerPlacement() {}

    static Map<String, String> nodeSelector(Optional<String> json) {
        Map<String, String> m = parse(NODE_SELECTOR, json, "a JSON object of label names to values, e.g. {\"pool\":\"gpu\"}",
                new TypeReference<>() {});
        return m == null ? Map.of() : m;
    }

    static List<Toleration> tolerations(Optional<String> json) {
        List<Toleration> t = parse(TOLERATIONS, json,
                "a JSON array of tolerations, e.g. [{\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]",
                new TypeReference<>() {});
        return t == null ? List.of() : t;
    }

    private static <T> T parse(String property, Optional<String> json, String expected, TypeReference<T> type) {
        if (json.isEmpty() || json.get().isBlank()) return null;
        try {
            return JSON.readValue(json.get(), type);
        } catch (JsonProcessingException e) {
            String env = property.toUpperCase().replace('.', '_').replace('-', '_');
            throw new IllegalArgumentException(property + " (" + env + ") must be " + expected + ", got: " + json.get()
                    + " (" + e.getOriginalMessage() + ")", e);
        }
    }
}
