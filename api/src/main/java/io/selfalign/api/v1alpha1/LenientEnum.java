package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import io.selfalign.api.round.WireNames;
import java.io.IOException;

/**
 * Reads an enum field of the spec by its wire name, and an unknown name as null. An API server refuses unknown names
 * through the CRD's enum; one without the schema (local mode's, the tests') stores them, and a strict reader would
 * then fail the operator's informer for every run, stopping the operator. The validator reports the null field with
 * the allowed names ({@code spec.training.loss: must be one of [spa, dpo, ...]}).
 */
public final class LenientEnum extends JsonDeserializer<Enum<?>> implements ContextualDeserializer {
    private final Class<?> type;

    public LenientEnum() {
        this(null);
    }

    private LenientEnum(Class<?> type) {
        this.type = type;
    }

    @Override
    public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
        return new LenientEnum(property.getType().getRawClass());
    }

    @Override
    public Enum<?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        String text = p.getValueAsString();
        for (Object constant : type.getEnumConstants()) {
            if (WireNames.of((Enum<?>) constant).equals(text)) return (Enum<?>) constant;
        }
        return null;
    }
}
