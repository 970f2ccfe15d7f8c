package io.selfalign.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.validate.UserValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who may use local mode's in-process API: whatever a run says reaches a local process as the local user
 * ({@code spec.trainer.env} included), and the local kubelet runs Jobs as that user. So every request must carry
 * one of two bearer tokens (else 401): the operator's (local mode's own clients, never written anywhere), which may
 * do anything, or the user's (only in the 0600 kubeconfig local mode writes), which may read everything but change
 * only the one AlignmentRun local mode was started for, not its status and no Job, ConfigMap or Pod: those are the
 * operator's to make (403 with a message). Other AlignmentRuns are refused to both rather than reconciled.
 */
final class AccessGuard extends Dispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code /apis/selfalign.io/<version>[/namespaces/<ns>]/alignmentruns[/<name>[/<subresource>]]}, any query. */
    private static final Pattern RUNS = Pattern.compile("/apis/" + Pattern.quote(AlignmentRun.GROUP)
            + "/[^/?]+(?:/namespaces/([^/?]+))?/alignmentruns(?:/([^/?]+))?(/[^/?]+)?(?:\\?.*)?");

    private final Dispatcher delegate;
    private final byte[] operator;
    private final byte[] user;
    private final String namespace;
    private final String name;

    /**
     * @param operatorToken the bearer token of local mode's own clients
     * @param userToken     the bearer token of the kubeconfig
     * @param namespace     the namespace of the one run this API accepts
     * @param name          its name
     */
    AccessGuard(Dispatcher delegate, String operatorToken, String userToken, String namespace, String name) {
        this.delegate = delegate;
        this.operator = ("Bearer " + operatorToken).getBytes(StandardCharsets.UTF_8);
        this.user = ("Bearer " + userToken).getBytes(StandardCharsets.UTF_8);
        this.namespace = namespace;
        this.name = name;
    }

    /** A fresh random token (256 bits, URL-safe). */
    static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String authorization = request.getHeader("Authorization");
        byte[] given = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        // Constant-time: the tokens are the only secrets here.
        boolean isOperator = MessageDigest.isEqual(operator, given);
        boolean isUser = MessageDigest.isEqual(user, given);
        if (!isOperator && !isUser) {
            return status(401, "Unauthorized", "local mode's API needs the bearer token of the kubeconfig it printed");
        }
        String path = request.getPath() == null ? "" : request.getPath().replaceFirst("\\?.*", "");
        // The mock server never answers a path with an empty segment (".../alignmentruns/", "...//alignmentruns"):
        // the client would wait for its timeout. An API server answers 404.
        if (!path.equals("/") && (path.isEmpty() || path.contains("//") || path.endsWith("/"))) {
            return status(404, "NotFound", "the server could not find the requested resource (no such path: "
                    + UserValue.shown(path) + ")");
        }
        String refused = refusal(request);
        if (refused == null && isUser) refused = userRefusal(request);
        if (refused != null) return status(403, "Forbidden", refused);
        try {
            return delegate.dispatch(request);
        } catch (RuntimeException e) {
            // An answer, whatever went wrong: an unanswered request hangs its client until its timeout.
            return status(500, "InternalError", "local mode's API failed on " + request.getMethod() + " "
                    + UserValue.shown(path) + ": " + e);
        }
    }

    /** Why the user's token may not make this request, or null: it reads anything and changes only the run. */
    private String userRefusal(RecordedRequest request) {
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method)) return null;
        Matcher m = RUNS.matcher(request.getPath());
        // refusal() has already checked that a run request names this run.
        if (m.matches() && m.group(3) == null) return null;
        return "the kubeconfig's token may read everything but change only the AlignmentRun " + namespace + "/" + name
                + " (not its status): Jobs, ConfigMaps and Pods are made by local mode's operator";
    }

    /** Why the request touches a run other than this one, or null. */
    private String refusal(RecordedRequest request) {
        Matcher m = RUNS.matcher(request.getPath());
        if (!m.matches()) return null;
        String method = request.getMethod();
        String ns = m.group(1);
        String target = m.group(2);
        if ("POST".equals(method) && target == null) target = createdName(request);
        boolean reads = "GET".equals(method) || "HEAD".equals(method);
        boolean other = ns != null && !ns.equals(namespace) || target != null && !target.equals(name) || target == null && !reads;
        if (!other) return null;
        return "this local mode runs only the AlignmentRun " + namespace + "/" + name + "; run another with its own"
                + " ./selfalign local -f <file> --workspace <folder>";
    }

    private static String createdName(RecordedRequest request) {
        try {
            JsonNode body = JSON.readTree(request.getBody() == null ? new byte[0] : request.getBody().getBytes());
            return body == null ? null : body.path("metadata").path("name").asText(null);
        } catch (IOException e) {
            return null; // not JSON: the API server answers that itself
        }
    }

    private static MockResponse status(int code, String reason, String message) {
        ObjectNode body = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
                .put("message", message).put("reason", reason).put("code", code);
        body.putObject("metadata");
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body.toString());
    }
}
