package io.selfalign.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.generator.annotation.Default;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The schema default (applied by a real API server) and the Java default (what the operator sees when a
 * server applies none) must agree, field by field.
 */
class DefaultsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void schemaDefaultsEqualJavaDefaults() throws Exception {
        for (Class<?> type : List.of(AlignmentRunSpec.class, ModelSpec.class, GenerationSpec.class, JudgeSpec.class,
                TrainingSpec.class, RefinementSpec.class, TrainerSpec.class)) {
            Object fresh = type.getConstructor().newInstance();
            for (Field f : type.getFields()) {
                Default d = f.getAnnotation(Default.class);
                if (Modifier.isStatic(f.getModifiers()) || d == null) continue;
                Object value = f.get(fresh);
                assertNotNull(value, type.getSimpleName() + "." + f.getName());
                JsonNode expected = JSON.readTree(d.value().startsWith("{") || d.value().matches("[-0-9.eE+]+|true|false")
                        ? d.value() : JSON.writeValueAsString(d.value()));
                JsonNode actual = JSON.valueToTree(value);
                if (expected.isObject()) continue; // nested objects: their own fields are checked
                assertEquals(expected.asText(), actual.asText(), type.getSimpleName() + "." + f.getName());
            }
        }
    }
}
