package io.selfalign.operator.validate;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kubernetes' rules for object names (DNS-1123 subdomain) and namespaces (DNS-1123 label). A real API server
 * enforces them; the in-process one of local mode does not, and the names become paths in the workspace
 * ({@code runs/<namespace>/<run>/}), where {@code ..} would leave it.
 */
public final class ObjectNames {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern SUBDOMAIN = Pattern.compile(LABEL + "(\\." + LABEL + ")*");
    private static final Pattern DNS_LABEL = Pattern.compile(LABEL);

    private ObjectNames() {}

    /** The problem with {@code name} as the name of a namespaced object, if any. */
    public static Optional<String> nameProblem(String field, String name) {
        if (name.length() <= 253 && SUBDOMAIN.matcher(name).matches()) return Optional.empty();
        return Optional.of(field + ": must be lower-case letters, digits, '-' and '.', starting and ending with a letter or "
                + "digit (a DNS-1123 subdomain), got '" + UserValue.shown(name) + "'");
    }

    /** The problem with {@code namespace}, if any. */
    public static Optional<String> namespaceProblem(String field, String namespace) {
        if (namespace.length() <= 63 && DNS_LABEL.matcher(namespace).matches()) return Optional.empty();
        return Optional.of(field + ": must be at most 63 lower-case letters, digits and '-', starting and ending with a letter "
                + "or digit (a DNS-1123 label), got '" + UserValue.shown(namespace) + "'");
    }
}
