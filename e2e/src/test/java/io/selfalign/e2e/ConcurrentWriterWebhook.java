package io.selfalign.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.selfalign.api.v1alpha1.AlignmentRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A concurrent writer placed exactly between the operator's read and its write: a validating admission webhook on
 * {@code alignmentruns/status} updates of runs labelled {@link #LABEL}. While the API server holds the operator's
 * status update, the webhook annotates the same run through the admin client and then allows the update; the server
 * finds the run changed under the update and answers 409, as it does for any writer that wins the race. It does this
 * for the first {@code times} status updates, then only watches.
 */
final class ConcurrentWriterWebhook implements AutoCloseable {
    static final String LABEL = "e2e.selfalign.io/concurrent-writer";
    static final String ANNOTATION = "e2e.selfalign.io/written-concurrently";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "e2e-webhook";

    private final Cluster cluster;
    private final HttpsServer server;
    private final String configuration;
    private final AtomicInteger remaining;
    /** Status updates the webhook saw (including those it made conflict). */
    final AtomicInteger seen = new AtomicInteger();

    ConcurrentWriterWebhook(Cluster cluster, String name, int times) throws Exception {
        this.cluster = cluster;
        this.configuration = name;
        this.remaining = new AtomicInteger(times);
        Path keystore = Cluster.WORK.resolve(name + ".p12");
        Files.deleteIfExists(keystore);
        // keytool (in every JDK) makes the serving certificate: the API server checks its IP SAN against the URL.
        keytool("-genkeypair", "-alias", "webhook", "-keyalg", "RSA", "-keysize", "2048", "-validity", "1",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        String pem = keytool("-exportcert", "-rfc", "-alias", "webhook", "-keystore", keystore.toString(), "-storepass", PASSWORD);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/review", this::review);
        server.start();

        ValidatingWebhookConfiguration webhook = new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .addNewWebhook().withName("concurrent-writer.e2e.selfalign.io")
                    .withNewClientConfig().withUrl("https://127.0.0.1:" + server.getAddress().getPort() + "/review")
                        .withCaBundle(Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)))
                    .endClientConfig()
                    .addNewRule().withApiGroups("selfalign.io").withApiVersions("v1alpha1").withOperations("UPDATE")
                        .withResources("alignmentruns/status").endRule()
                    .withNewObjectSelector().withMatchLabels(Map.of(LABEL, "true")).endObjectSelector()
                    .withSideEffects("NoneOnDryRun").withAdmissionReviewVersions("v1").withFailurePolicy("Fail").withTimeoutSeconds(10)
                .endWebhook().build();
        cluster.admin.resource(webhook).create();
    }

    private void review(HttpExchange exchange) throws IOException {
        JsonNode request = JSON.readTree(exchange.getRequestBody()).path("request");
        seen.incrementAndGet();
        if (!request.path("dryRun").asBoolean() && remaining.getAndDecrement() > 0) {
            String ns = request.path("namespace").asText();
            String name = request.path("name").asText();
            // A merge patch without resourceVersion, as kubectl annotate sends: it always lands, and moves the run on.
            String value = Integer.toString(seen.get());
            cluster.admin.resources(AlignmentRun.class).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                    JSON.writeValueAsString(Map.of("metadata", Map.of("annotations", Map.of(ANNOTATION, value)))));
        }
        ObjectNode review = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        review.putObject("response").put("uid", request.path("uid").asText()).put("allowed", true);
        byte[] body = JSON.writeValueAsBytes(review);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("keytool " + command + " failed:\n" + out);
        return out;
    }

    @Override
    public void close() {
        cluster.admin.admissionRegistration().v1().validatingWebhookConfigurations().withName(configuration).delete();
        server.stop(0);
    }
}
