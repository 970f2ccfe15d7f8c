package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** helm enforces values.schema.json at template/install time: defaults pass, mistakes name their key. */
class ChartValuesSchemaTest {

    @Test
    void defaultsAreValid() {
        assertDoesNotThrow(() -> RenderedChart.template(Map.of()));
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(Map.of("operator", Map.of("replicas", 0)), "/operator/replicas"),
                Arguments.of(Map.of("operator", Map.of("replicas", "two")), "/operator/replicas"),
                Arguments.of(Map.of("operator", Map.of("image", Map.of("pullPolicy", "Sometimes"))), "/operator/image/pullPolicy"),
                Arguments.of(Map.of("operator", Map.of("image", Map.of("repository", ""))), "/operator/image/repository"),
                Arguments.of(Map.of("operator", Map.of("watchNamespaces", List.of("Team_A"))), "/operator/watchNamespaces/0"),
                Arguments.of(Map.of("operator", Map.of("watchNamespaces", "team-a")), "/operator/watchNamespaces"),
                Arguments.of(Map.of("operator", Map.of("logLevel", "LOUD")), "/operator/logLevel"),
                Arguments.of(Map.of("operator", Map.of("leaderElection", Map.of("leaseName", "Bad Name"))), "/operator/leaderElection/leaseName"),
                Arguments.of(Map.of("operator", Map.of("replica", 2)), "replica"),
                Arguments.of(Map.of("trainer", Map.of("gpuResourceName", "nvidia.com/gpu!")), "/trainer/gpuResourceName"),
                Arguments.of(Map.of("trainer", Map.of("tolerations", List.of(Map.of("operator", "Maybe")))), "/trainer/tolerations/0/operator"),
                Arguments.of(Map.of("trainer", Map.of("nodeSelector", Map.of("pool", 3))), "/trainer/nodeSelector/pool"),
                Arguments.of(Map.of("metrics", Map.of("serviceMonitor", Map.of("interval", "30"))), "/metrics/serviceMonitor/interval"),
                Arguments.of(Map.of("metrics", Map.of("podMonitor", Map.of("enabled", "yes"))), "/metrics/podMonitor/enabled"),
                Arguments.of(Map.of("metrics", Map.of("service", Map.of("port", 70000))), "/metrics/service/port"),
                Arguments.of(Map.of("grafana", Map.of("dashboard", Map.of("labels", Map.of("grafana_dashboard", 1)))), "/grafana/dashboard/labels/grafana_dashboard"),
                Arguments.of(Map.of("serviceAccount", Map.of("create", "false")), "/serviceAccount/create"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void badValuesAreRejectedNamingTheKey(Map<String, ?> values, String path) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RenderedChart.template(values));
        assertTrue(e.getMessage().contains("schema") && e.getMessage().contains(path),
                "expected a schema error at " + path + ", got: " + e.getMessage());
    }

    @Test
    void combinationsTheSchemaCannotExpressFailWithAClearMessage() {
        IllegalStateException monitor = assertThrows(IllegalStateException.class, () -> RenderedChart.template(Map.of(
                "metrics", Map.of("service", Map.of("enabled", false), "serviceMonitor", Map.of("enabled", true)))));
        assertTrue(monitor.getMessage().contains("metrics.service.enabled"), monitor.getMessage());

        IllegalStateException account = assertThrows(IllegalStateException.class, () -> RenderedChart.template(Map.of(
                "serviceAccount", Map.of("create", false))));
        assertTrue(account.getMessage().contains("serviceAccount.name"), account.getMessage());
    }
}
