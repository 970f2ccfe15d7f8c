package io.selfalign.local;

import io.selfalign.api.v1alpha1.RunPhase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterTest {
    @TempDir
    Path dir;

    static final Path EXAMPLE = Path.of("..", "examples", "local", "keysort-spa.yaml");

    static HttpRequest.Builder get(LocalCluster cluster, String path) {
        return HttpRequest.newBuilder(URI.create(cluster.url() + path)).header("Authorization", "Bearer " + cluster.userToken());
    }

    /** An HTTP client that trusts the API's CA only (and checks the host name against the certificate). */
    static HttpClient http(LocalCluster cluster) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(cluster.caPem().getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void kubectlFindsTheApiThroughDiscoveryAndTheKubeconfig() throws Exception {
        try (LocalCluster cluster = new LocalCluster(0, LocalCommand.readRun(EXAMPLE))) {
            HttpClient http = http(cluster);
            for (String path : new String[] {"/version", "/api?timeout=32s", "/apis", "/apis/selfalign.io/v1alpha1?timeout=32s"}) {
                var response = http.send(get(cluster, path).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), path);
            }
            var runs = http.send(get(cluster, "/apis/selfalign.io/v1alpha1").build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(runs.contains("\"arun\""), runs);
            Path kubeconfig = dir.resolve("kubeconfig");
            cluster.writeKubeconfig(kubeconfig, "default");
            assertTrue(Files.readString(kubeconfig).contains("server: " + cluster.url()));
            assertTrue(cluster.url().startsWith("https://127.0.0.1:"), cluster.url());
        }
    }

    /** The API used to listen without authentication and reconcile any run, whose env reached a local process. */
    @Test
    void theApiNeedsTheKubeconfigsTokenAndAcceptsOnlyItsOwnRun() throws Exception {
        AlignmentRun run = LocalCommand.readRun(EXAMPLE);
        try (LocalCluster cluster = new LocalCluster(0, run)) {
            Path kubeconfig = dir.resolve("state/kubeconfig");
            cluster.writeKubeconfig(kubeconfig, "default");
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(kubeconfig));
            assertTrue(Files.readString(kubeconfig).contains("token: " + cluster.userToken()));

            HttpClient http = http(cluster);
            String runs = "/apis/selfalign.io/v1alpha1/namespaces/default/alignmentruns";
            var anonymous = http.send(HttpRequest.newBuilder(URI.create(cluster.url() + runs)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            var wrongToken = http.send(HttpRequest.newBuilder(URI.create(cluster.url() + "/version"))
                    .header("Authorization", "Bearer " + cluster.userToken() + "x").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrongToken.statusCode());

            // kubectl's way in: the kubeconfig local mode wrote.
            try (KubernetesClient kubectl = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
                kubectl.resource(run).create();
                assertEquals("keysort-spa", kubectl.resources(AlignmentRun.class).inNamespace("default").withName("keysort-spa").get()
                        .getMetadata().getName());
                AlignmentRun other = LocalCommand.readRun(EXAMPLE);
                other.getMetadata().setName("someone-elses");
                KubernetesClientException refused = assertThrows(KubernetesClientException.class, () -> kubectl.resource(other).create());
                assertEquals(403, refused.getCode());
                assertTrue(refused.getMessage().contains("runs only the AlignmentRun default/keysort-spa"), refused.getMessage());
                other.getMetadata().setName("keysort-spa");
                other.getMetadata().setNamespace("team-b");
                assertEquals(403, assertThrows(KubernetesClientException.class, () -> kubectl.resource(other).create()).getCode());
                assertTrue(kubectl.resources(AlignmentRun.class).inAnyNamespace().list().getItems().size() == 1);
            }
        }
    }

    /**
     * kubectl never sends a kubeconfig's token to a plain-http server ("You must be logged in to the server"): a
     * Fabric8 client does, so only the real binary shows whether the printed kubeconfig works.
     */
    @Test
    void aRealKubectlReadsTheRunThroughTheKubeconfigOverTls() throws Exception {
        Path kubectl = Kubectl.find();
        Assumptions.assumeTrue(kubectl != null, "no kubectl binary (KUBECTL, ~/.kubeapitest/k8s/*/kubectl or PATH): skipped");
        AlignmentRun run = LocalCommand.readRun(EXAMPLE);
        try (LocalCluster cluster = new LocalCluster(0, run)) {
            cluster.client().resource(run).create();
            Path kubeconfig = dir.resolve("kubeconfig");
            cluster.writeKubeconfig(kubeconfig, "default");
            Kubectl.Result get = Kubectl.run(kubectl, kubeconfig, "get", "alignmentruns");
            assertEquals(0, get.exit(), get.output());
            assertTrue(get.output().contains("keysort-spa"), get.output());
            // The user's token cannot make what the local kubelet would run.
            Kubectl.Result create = Kubectl.run(kubectl, kubeconfig, "create", "configmap", "x", "--from-literal=a=b");
            assertTrue(create.exit() != 0 && create.output().contains("change only the AlignmentRun default/keysort-spa"), create.output());
        }
    }

    /**
     * The local kubelet runs Jobs as the user, so a Job or ConfigMap made through the kubeconfig would run any
     * command: the user's token may read, and change the one run; only local mode's operator makes the rest.
     */
    @Test
    void theKubeconfigsTokenReadsAndChangesTheRunButMakesNoJobsConfigMapsOrPods() throws Exception {
        AlignmentRun run = LocalCommand.readRun(EXAMPLE);
        try (LocalCluster cluster = new LocalCluster(0, run);
             KubernetesClient user = new KubernetesClientBuilder().withConfig(cluster.config(cluster.userToken())).build()) {
            AlignmentRun created = user.resource(run).create();
            ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("evil").withNamespace("default")
                    .addToLabels("selfalign.io/run", "keysort-spa").endMetadata().addToData("round.json", "{}").build();
            KubernetesClientException refused = assertThrows(KubernetesClientException.class, () -> user.resource(cm).create());
            assertEquals(403, refused.getCode());
            assertTrue(refused.getMessage().contains("change only the AlignmentRun default/keysort-spa"), refused.getMessage());
            Job job = new JobBuilder().withNewMetadata().withName("evil").withNamespace("default")
                    .addToLabels("selfalign.io/run", "keysort-spa").endMetadata()
                    .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("c").withImage("x")
                    .withCommand("sh", "-c", "touch /tmp/owned").endContainer().endSpec().endTemplate().endSpec().build();
            assertEquals(403, assertThrows(KubernetesClientException.class, () -> user.resource(job).create()).getCode());
            created.setStatus(new AlignmentRunStatus());
            created.getStatus().phase = RunPhase.SUCCEEDED;
            assertEquals(403, assertThrows(KubernetesClientException.class, () -> user.resource(created).updateStatus()).getCode(),
                    "the status is the operator's");
            assertTrue(user.batch().v1().jobs().inAnyNamespace().list().getItems().isEmpty(), "the user reads");

            // Local mode's own client (the operator's and the kubelet's) makes Jobs.
            cluster.client().resource(job).create();
            assertEquals(1, user.batch().v1().jobs().inNamespace("default").list().getItems().size());
            assertTrue(user.resource(created).delete().size() == 1, "the user may delete the run");
        }
    }

    /** Such paths used to go unanswered: the client hung until its own timeout. */
    @Test
    void aPathWithAnEmptySegmentIsAnsweredWith404AtOnce() throws Exception {
        try (LocalCluster cluster = new LocalCluster(0, LocalCommand.readRun(EXAMPLE))) {
            HttpClient http = http(cluster);
            String body = "{\"apiVersion\":\"selfalign.io/v1alpha1\",\"kind\":\"AlignmentRun\",\"metadata\":{\"name\":\"keysort-spa\"}}";
            for (String path : List.of("/apis/selfalign.io/v1alpha1/namespaces/default/alignmentruns/",
                    "/apis/selfalign.io/v1alpha1/namespaces/default//alignmentruns")) {
                var response = http.send(get(cluster, path).timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(404, response.statusCode(), path + ": " + response.body());
            }
        }
    }

    @Test
    void kubectlsTableRequestsGetThePrinterColumnsInTheCrdsOrder() throws Exception {
        AlignmentRun run = LocalCommand.readRun(EXAMPLE);
        try (LocalCluster cluster = new LocalCluster(0, run)) {
            run = cluster.client().resource(run).create();
            AlignmentRunStatus status = new AlignmentRunStatus();
            status.phase = RunPhase.RUNNING;
            status.currentIteration = 1;
            status.judgeAccuracy = 0.61;
            status.bestIteration = 0;
            status.conditions = List.of(
                    new ConditionBuilder().withType("Progressing").withStatus("True").build(),
                    new ConditionBuilder().withType("Complete").withStatus("False").build());
            run.setStatus(status);
            cluster.client().resource(run).updateStatus();

            String accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
            JsonNode table = new ObjectMapper().readTree(http(cluster).send(
                    get(cluster, "/apis/selfalign.io/v1alpha1/namespaces/default/alignmentruns?limit=500")
                    .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertEquals("Table", table.path("kind").asText());
            List<String> names = new ArrayList<>();
            table.path("columnDefinitions").forEach(c -> names.add(c.path("name").asText()));
            assertEquals(List.of("Name", "Phase", "Iteration", "Iterations", "Complete", "Judge Acc", "Best", "Age"), names);
            JsonNode cells = table.path("rows").get(0).path("cells");
            assertEquals("keysort-spa", cells.get(0).asText());
            assertEquals("Running", cells.get(1).asText());
            assertEquals(1, cells.get(2).asInt());
            assertEquals(2, cells.get(3).asInt());
            assertEquals("False", cells.get(4).asText(), "the Complete condition's status, not the last condition's");
            assertEquals(0.61, cells.get(5).asDouble());
            assertEquals(0, cells.get(6).asInt());
            assertTrue(cells.get(7).asText().matches("\\d+s"), cells.toString());
            assertEquals("keysort-spa", table.path("rows").get(0).path("object").path("metadata").path("name").asText());
        }
    }

    @Test
    void agesReadAsKubectlPrintsThem() {
        Instant now = Instant.parse("2026-11-23T12:00:00Z");
        assertEquals("45s", TableDispatcher.age("2026-11-23T11:59:15Z", now));
        assertEquals("3m12s", TableDispatcher.age("2026-11-23T11:56:48Z", now));
        assertEquals("42m", TableDispatcher.age("2026-11-23T11:18:00Z", now));
        assertEquals("5h7m", TableDispatcher.age("2026-11-23T06:53:00Z", now));
        assertEquals("3d4h", TableDispatcher.age("2026-11-20T08:00:00Z", now));
        assertEquals("<invalid>", TableDispatcher.age("yesterday", now));
    }

    @Test
    void printerColumnPathsFollowFieldsAndFiltersAndRefuseTheRest() throws Exception {
        JsonNode run = new ObjectMapper().readTree(
                "{\"status\": {\"conditions\": [{\"type\": \"Complete\", \"status\": \"True\"}, {\"type\": \"Failed\", \"status\": \"False\"}]}}");
        assertEquals("True", PrinterColumnPath.parse(".status.conditions[?(@.type==\"Complete\")].status").find(run).get(0).asText());
        assertTrue(PrinterColumnPath.parse(".status.phase").find(run).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> PrinterColumnPath.parse(".status.conditions[-1:].status"));
    }

    @Test
    void theExampleIsAValidLocalRun() throws Exception {
        AlignmentRun run = LocalCommand.readRun(EXAMPLE);
        assertEquals("keysort", run.getMetadata().getAnnotations().get(LocalCommand.BOOTSTRAP_ANNOTATION));
        assertTrue(new io.selfalign.operator.validate.SpecValidator(new io.selfalign.operator.round.RoundSpecs("nvidia.com/gpu"))
                .validate(run).isEmpty());
        assertEquals(io.selfalign.api.round.DeviceKind.CPU, new io.selfalign.operator.round.RoundSpecs("nvidia.com/gpu").create(run, 1).runtime().device());
    }
}
