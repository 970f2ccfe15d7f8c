package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A second local run on one machine finds the metrics port taken. */
class LocalMetricsPortTest {
    @Test
    void aTakenPortFallsBackToAFreeOneThatServesTheMetrics() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("selfalign_probe_total").increment();
        try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             HTTPServer second = LocalCommand.metricsServer(first.getLocalPort(), registry)) {
            assertNotEquals(first.getLocalPort(), second.getPort());
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + second.getPort() + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("selfalign_probe_total"), r.body());
        }
    }
}
