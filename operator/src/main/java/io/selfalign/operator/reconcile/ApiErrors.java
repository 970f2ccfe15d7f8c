package io.selfalign.operator.reconcile;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** How a failed reconciliation is named in the {@code ReconcileError} condition and its event. */
final class ApiErrors {
    private static final int MAX_MESSAGE = 400;

    private ApiErrors() {}

    /** A CamelCase reason: the HTTP status class of a failed API request, else the exception's kind. */
    static String reason(Exception e) {
        KubernetesClientException k = clientException(e);
        if (k == null) return "ReconcileFailed";
        int code = k.getCode();
        if (code == 429) return "TooManyRequests";
        if (code == 409) return "Conflict";
        if (code == 403) return "Forbidden";
        if (code == 401) return "Unauthorized";
        if (code >= 500) return "ServerError";
        return code > 0 ? "ApiRequestFailed" : "ApiUnreachable";
    }

    /**
     * Whether an answer with this HTTP status refuses the object sent (400 malformed, 422 invalid, ...): sending it
     * again cannot help, so the round fails. Not 401 or 403, which refuse the operator (its token or its RBAC; they
     * pass once an administrator fixes those, so the reconciliation is retried), nor 409 and 429.
     */
    static boolean rejectsTheObject(int code) {
        return code >= 400 && code < 500 && code != 401 && code != 403 && code != 409 && code != 429;
    }

    static String message(Exception e) {
        KubernetesClientException k = clientException(e);
        String text = k == null ? e.getClass().getSimpleName() + ": " + e.getMessage()
                : "Kubernetes API request failed" + (k.getCode() > 0 ? " (HTTP " + k.getCode() + ")" : "") + ": " + k.getMessage();
        return text.length() <= MAX_MESSAGE ? text : text.substring(0, MAX_MESSAGE) + "...";
    }

    private static KubernetesClientException clientException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k) return k;
        }
        return null;
    }
}
