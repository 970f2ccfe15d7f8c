package io.selfalign.local;

import io.selfalign.api.v1alpha1.RunPhase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterTest {
    @TempDir
    Path dir;

    static final Path EXAMPLE = Path.of("..", "examples", "local", "keysort-spa.yaml");

    static HttpRequest.Builder get(LocalCluster cluster, String path) {
        return HttpRequest.newBuilder(URI.create(cluster.url() + path)).header("Authorization", "Bearer " + cluster.token());
    }

    @Test
    void kubectlFindsTheApiThroughDiscoveryAndTheKubeconfig() throws Exception {
        try (LocalCluster cluster = new LocalCluster(0, LocalCommand.readRun(EXAMPLE))) {
            HttpClient http = HttpClient.newHttpClient();
            for (String path : new String[] {"/version", "/api?timeout=32s", "/apis", "/apis/selfalign.io/v1alpha1?timeout=32s"}) {
                var response = http.send(get(cluster, path).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), path);
            }
            var runs = http.send(get(cluster, "/apis/selfalign.io/v1alpha1").build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(runs.contains("\"arun\""), runs);
            Path kubeconfig = dir.resolve("kubeconfig");
            cluster.writeKubeconfig(kubeconfig, "default");
            assertTrue(Files.readString(kubeconfig).contains("server: " + cluster.url()));
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
            assertTrue(Files.readString(kubeconfig).contains("token: " + cluster.token()));

            HttpClient http = HttpClient.newHttpClient();
            String runs = "/apis/selfalign.io/v1alpha1/namespaces/default/alignmentruns";
            var anonymous = http.send(HttpRequest.newBuilder(URI.create(cluster.url() + runs)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            var wrongToken = http.send(HttpRequest.newBuilder(URI.create(cluster.url() + "/version"))
                    .header("Authorization", "Bearer " + cluster.token() + "x").build(), HttpResponse.BodyHandlers.ofString());
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
            JsonNode table = new ObjectMapper().readTree(HttpClient.newHttpClient().send(
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
