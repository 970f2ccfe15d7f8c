package io.selfalign.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.selfalign.api.v1alpha1.AlignmentRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who may use local mode's in-process API: whatever a run says reaches a local process as the local user
 * ({@code spec.trainer.env} included), so every request must carry local mode's bearer token (only in the
 * 0600 kubeconfig it writes; else 401), and AlignmentRuns other than the one local mode was started for are
 * refused (403 with a message) rather than reconciled.
 */
final class AccessGuard extends Dispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code /apis/selfalign.io/<version>[/namespaces/<ns>]/alignmentruns[/<name>[/status]]}, any query. */
    private static final Pattern RUNS = Pattern.compile("/apis/" + Pattern.quote(AlignmentRun.GROUP)
            + "/[^/?]+(?:/namespaces/([^/?]+))?/alignmentruns(?:/([^/?]+))?(?:/[^/?]+)?(?:\\?.*)?");

    private final Dispatcher delegate;
    private final byte[] expected;
    private final String namespace;
    private final String name;

    /**
     * @param token     the bearer token every request must carry
     * @param namespace the namespace of the one run this API accepts
     * @param name      its name
     */
    AccessGuard(Dispatcher delegate, String token, String namespace, String name) {
        this.delegate = delegate;
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
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
        // Constant-time: the token is the only secret here.
        if (authorization == null || !MessageDigest.isEqual(expected, authorization.getBytes(StandardCharsets.UTF_8))) {
            return status(401, "Unauthorized", "local mode's API needs the bearer token of the kubeconfig it printed");
        }
        String refused = refusal(request);
        if (refused != null) return status(403, "Forbidden", refused);
        return delegate.dispatch(request);
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
