package io.selfalign.api.round;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.List;

/**
 * The JSON name of a contract enum constant is its {@code @JsonProperty} (which Jackson and the CRD
 * generator both read), so the spelling is written once, on the constant.
 */
public final class WireNames {
    private WireNames() {}

    public static String of(Enum<?> constant) {
        try {
            return constant.getDeclaringClass().getField(constant.name()).getAnnotation(JsonProperty.class).value();
        } catch (NoSuchFieldException | NullPointerException e) {
            throw new IllegalStateException(constant.getDeclaringClass().getSimpleName() + "." + constant.name()
                    + " has no @JsonProperty wire name", e);
        }
    }

    public static <E extends Enum<E>> List<String> all(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireNames::of).toList();
    }

    /** The constant with this wire name; fails naming {@code field} and the accepted names. */
    public static <E extends Enum<E>> E parse(Class<E> type, String wireName, String field) {
        for (E e : type.getEnumConstants()) if (of(e).equals(wireName)) return e;
        throw new IllegalArgumentException(field + ": must be one of " + all(type) + ", got " + wireName);
    }
}
