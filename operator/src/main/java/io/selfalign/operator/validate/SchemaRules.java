package io.selfalign.operator.validate;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.selfalign.api.round.WireNames;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;

/**
 * Checks a spec object against the same {@code @Required/@Min/@Max/@Pattern/@Size} annotations the CRD
 * schema is generated from, so the two can never disagree. The API server enforces the schema on a
 * real cluster; this covers servers that do not (the in-process API of tests and local mode) and
 * objects written before a schema change.
 */
final class SchemaRules {
    private static final String API_PACKAGE = "io.selfalign.api.v1alpha1";

    private SchemaRules() {}

    static void check(Object value, String path, List<String> problems) {
        for (Field field : value.getClass().getFields()) {
            if (Modifier.isStatic(field.getModifiers())) continue;
            Object v;
            try {
                v = field.get(value);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("public field " + field + " is not readable", e);
            }
            String name = path + field.getName();
            if (v == null) {
                if (field.isAnnotationPresent(Required.class)) problems.add(name + ": required");
                // A defaulted enum field is null only when the spec named no known value (LenientEnum).
                if (field.getType().isEnum() && field.isAnnotationPresent(Default.class)) {
                    problems.add(name + ": must be one of " + wireNames(field.getType()) + ", got an unknown name or none");
                }
                continue;
            }
            checkField(field, v, name, problems);
            if (v.getClass().getPackageName().equals(API_PACKAGE)) check(v, name + ".", problems);
        }
    }

    private static void checkField(Field field, Object v, String name, List<String> problems) {
        if (!finite(v)) {
            problems.add(name + ": must be a finite number, got " + v);
            return;
        }
        Min min = field.getAnnotation(Min.class);
        Max max = field.getAnnotation(Max.class);
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (min != null && (min.inclusive() ? d < min.value() : d <= min.value())) {
                problems.add(name + ": must be " + (min.inclusive() ? ">= " : "> ") + format(min.value()) + ", got " + v);
            }
            if (max != null && (max.inclusive() ? d > max.value() : d >= max.value())) {
                problems.add(name + ": must be " + (max.inclusive() ? "<= " : "< ") + format(max.value()) + ", got " + v);
            }
        }
        Pattern pattern = field.getAnnotation(Pattern.class);
        if (pattern != null && v instanceof String s && !java.util.regex.Pattern.compile(pattern.value()).matcher(s).find()) {
            problems.add(name + ": '" + UserValue.shown(s) + "' does not match " + pattern.value());
        }
        Size size = field.getAnnotation(Size.class);
        if (size != null && v instanceof Collection<?> c) {
            if (c.size() < size.min()) problems.add(name + ": needs at least " + size.min() + " entries");
            if (c.size() > size.max()) problems.add(name + ": takes at most " + size.max() + " entries, got " + c.size());
        }
        if (field.isAnnotationPresent(Required.class) && v instanceof String s && s.isBlank()) {
            problems.add(name + ": required");
        }
    }

    /**
     * False for infinity and NaN, alone or in a list: YAML's {@code .inf} and {@code .nan} parse, pass every
     * {@code @Min/@Max} test NaN-style or by being huge, and surface hours later as a NaN gradient.
     */
    private static boolean finite(Object v) {
        if (v instanceof Double d) return Double.isFinite(d);
        if (v instanceof Float f) return Float.isFinite(f);
        if (v instanceof Collection<?> c) return c.stream().allMatch(SchemaRules::finite);
        return true;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static java.util.List<String> wireNames(Class<?> type) {
        return WireNames.all((Class) type);
    }

    private static String format(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
