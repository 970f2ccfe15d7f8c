package io.selfalign.operator.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.v1alpha1.AlignmentRun;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterTest {
    @TempDir
    Path dir;

    static final Path EXAMPLE = Path.of("..", "examples", "local", "keysort-spa.yaml");

    @Test
    void kubectlFindsTheApiThroughDiscoveryAndTheKubeconfig() throws Exception {
        try (LocalCluster cluster = new LocalCluster(0)) {
            HttpClient http = HttpClient.newHttpClient();
            for (String path : new String[] {"/version", "/api?timeout=32s", "/apis", "/apis/selfalign.io/v1alpha1?timeout=32s"}) {
                var response = http.send(HttpRequest.newBuilder(URI.create(cluster.url() + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), path);
            }
            var runs = http.send(HttpRequest.newBuilder(URI.create(cluster.url() + "/apis/selfalign.io/v1alpha1")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(runs.contains("\"arun\""), runs);
            Path kubeconfig = dir.resolve("kubeconfig");
            cluster.writeKubeconfig(kubeconfig, "default");
            assertTrue(Files.readString(kubeconfig).contains("server: " + cluster.url()));
        }
    }

    @Test
    void theExampleIsAValidLocalRun() throws Exception {
        AlignmentRun run = LocalCommand.readRun(EXAMPLE);
        assertEquals("keysort", run.getMetadata().getAnnotations().get(LocalCommand.BOOTSTRAP_ANNOTATION));
        assertTrue(new io.selfalign.operator.validate.SpecValidator(new io.selfalign.operator.round.RoundSpecFactory("nvidia.com/gpu"))
                .validate(run).isEmpty());
        assertEquals("cpu", new io.selfalign.operator.round.RoundSpecFactory("nvidia.com/gpu").create(run, 1).runtime().device());
    }
}
