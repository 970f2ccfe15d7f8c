package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ServiceMonitor, PodMonitor and the Grafana dashboard are off by default and correct when on. */
class ChartMonitoringTest {

    static final Map<String, Object> ALL_ON = Map.of(
            "metrics", Map.of(
                    "serviceMonitor", Map.of("enabled", true, "additionalLabels", Map.of("release", "prom")),
                    "podMonitor", Map.of("enabled", true)),
            "grafana", Map.of("dashboard", Map.of("enabled", true)));

    @Test
    void offByDefaultSoClustersWithoutThePrometheusOperatorInstallCleanly() {
        RenderedChart chart = RenderedChart.render();
        assertTrue(chart.ofKind("ServiceMonitor").isEmpty());
        assertTrue(chart.ofKind("PodMonitor").isEmpty());
        assertTrue(chart.ofKind("ConfigMap").isEmpty());
        // The metrics Service is plain core API, so it is always there for any scraper.
        assertEquals(8080, chart.one("Service", "-metrics").at("/spec/ports/0/port").asInt());
    }

    @Test
    void serviceMonitorScrapesTheOperatorsMetricsService() {
        RenderedChart chart = RenderedChart.render(ALL_ON);
        ObjectNode monitor = chart.one("ServiceMonitor", "-operator");
        ObjectNode service = chart.one("Service", "-metrics");
        assertEquals("prom", monitor.at("/metadata/labels/release").asText());
        assertEquals("/q/metrics", monitor.at("/spec/endpoints/0/path").asText());
        assertEquals(service.at("/spec/ports/0/name").asText(), monitor.at("/spec/endpoints/0/port").asText());
        // The monitor selects the Service, and the Service selects the operator pods.
        monitor.at("/spec/selector/matchLabels").fields().forEachRemaining(e ->
                assertEquals(e.getValue().asText(), service.at("/metadata/labels").path(e.getKey()).asText(), e.getKey()));
        JsonNode podLabels = chart.one("Deployment", "").at("/spec/template/metadata/labels");
        service.at("/spec/selector").fields().forEachRemaining(e ->
                assertEquals(e.getValue().asText(), podLabels.path(e.getKey()).asText(), e.getKey()));
    }

    @Test
    void podMonitorScrapesTrainerPodsInTheWatchedNamespaces() {
        ObjectNode monitor = RenderedChart.render(ALL_ON).one("PodMonitor", "-trainer");
        assertEquals("selfalign.io/run", monitor.at("/spec/selector/matchExpressions/0/key").asText());
        assertEquals("Exists", monitor.at("/spec/selector/matchExpressions/0/operator").asText());
        assertEquals("metrics", monitor.at("/spec/podMetricsEndpoints/0/port").asText());
        assertEquals("/metrics", monitor.at("/spec/podMetricsEndpoints/0/path").asText());
        assertTrue(monitor.at("/spec/namespaceSelector/any").asBoolean());

        Map<String, Object> scoped = Map.of("operator", Map.of("watchNamespaces", List.of("ml")),
                "metrics", Map.of("podMonitor", Map.of("enabled", true)));
        ObjectNode scopedMonitor = RenderedChart.render(scoped).one("PodMonitor", "-trainer");
        assertEquals("ml", scopedMonitor.at("/spec/namespaceSelector/matchNames/0").asText());
        assertFalse(scopedMonitor.at("/spec/namespaceSelector").has("any"));
    }

    /** The series the operator exports (operator/.../metrics/RunMetrics, documented in docs/operator.md). */
    static final Set<String> OPERATOR_SERIES = Set.of("selfalign_run_phase", "selfalign_run_current_iteration",
            "selfalign_round_duration_seconds_bucket", "selfalign_round_failures_total", "selfalign_round_metric");

    @Test
    void grafanaDashboardIsAValidDashboardWithTheAdvertisedPanels() throws IOException {
        ObjectNode configMap = RenderedChart.render(ALL_ON).one("ConfigMap", "-dashboard");
        assertEquals("1", configMap.at("/metadata/labels/grafana_dashboard").asText());
        JsonNode dashboard = RenderedChart.YAML.readTree(configMap.at("/data/selfalign.json").asText());
        assertEquals("selfalign-overview", dashboard.path("uid").asText());

        Set<String> titles = new HashSet<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            titles.add(panel.path("title").asText());
            assertTrue(ids.add(panel.path("id").asInt()), "duplicate panel id " + panel.path("id"));
            assertFalse(panel.path("targets").isEmpty(), panel.path("title") + " has no query");
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                java.util.regex.Matcher series = java.util.regex.Pattern.compile("selfalign_[a-z_]+").matcher(expr);
                assertTrue(series.find(), panel.path("title") + " queries no selfalign series: " + expr);
                do {
                    assertTrue(OPERATOR_SERIES.contains(series.group()), "the operator exports no " + series.group());
                } while (series.find());
                assertEquals(count(expr, '('), count(expr, ')'), "unbalanced parentheses: " + expr);
                assertEquals(count(expr, '{'), count(expr, '}'), "unbalanced braces: " + expr);
            }
        }
        for (String wanted : List.of("Runs by phase", "Iteration progress", "Round duration (p50 / p95)",
                "Preference loss per round", "Reward margin per round", "Self-label accuracy per round", "Trainer throughput",
                "Judge accuracy on held-out pairs")) {
            assertTrue(titles.contains(wanted), "missing panel " + wanted + " in " + titles);
        }
    }

    private static long count(String s, char c) {
        return s.chars().filter(ch -> ch == c).count();
    }
}
