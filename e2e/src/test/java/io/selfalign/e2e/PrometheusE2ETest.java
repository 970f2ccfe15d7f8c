package io.selfalign.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.testing.TestKubelet;
import io.selfalign.testkit.kubelet.PodEnd;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real Prometheus (Debian's, unpacked by tools/prometheus.sh) scrapes the packaged operator's /q/metrics while it
 * runs a run to success and another to failure; every PromQL expression of the chart's Grafana dashboard then
 * returns series.
 */
@ExtendWith(Cluster.Extension.class)
@EnabledIf(value = "prometheusPresent", disabledReason = "no prometheus: run tools/prometheus.sh (docs/e2e.md)")
class PrometheusE2ETest {
    static final String NS = "e2e-metrics";
    static final Path PROMETHEUS = Cluster.BINARIES.resolve("prometheus/prometheus");
    static final Path DASHBOARD = Cluster.ROOT.resolve("charts/selfalign/dashboards/selfalign.json");
    static final ObjectMapper JSON = new ObjectMapper();
    static Cluster cluster;
    static TestKubelet kubelet;
    static OperatorProcess operator;
    static Process prometheus;
    static int prometheusPort;

    static boolean prometheusPresent() {
        return Files.isExecutable(PROMETHEUS);
    }

    /** A round's result with every metric the dashboard plots, as the trainer reports them. */
    static PodEnd succeeded(Job job) {
        int k = Integer.parseInt(job.getMetadata().getLabels().get(Rounds.ITERATION_LABEL));
        String run = job.getMetadata().getLabels().get(Rounds.RUN_LABEL);
        Map<String, Double> metrics = Map.of("gen_tokens_per_s", 900.0, "train_tokens_per_s", 4100.0, "loss_final", 0.6 - 0.1 * k,
                "margin", 0.3 + k, "self_label_flipped", 0.1, "accuracy", 0.7, "judge_accuracy", 0.8, "validation_accuracy", 0.75);
        return new PodEnd.Succeed(RoundJson.write(new RoundResult(1, k, "hash-" + k, RoundContract.outputDir(NS, run, k) + "/model",
                1.5 + k, metrics, "round " + k + " done")));
    }

    @BeforeAll
    static void start() throws IOException {
        cluster = Cluster.shared();
        cluster.namespace(NS);
        kubelet = new TestKubelet(cluster.admin);
        kubelet.script("watched", (job, attempt) -> succeeded(job));
        kubelet.script("broken", (job, attempt) -> new PodEnd.Fail(78, "data.prompts: not JSON"));
        operator = OperatorProcess.start("metrics-operator", Chart.operatorKubeconfig(cluster, Chart.installRbac(cluster)), false)
                .awaitHealth("ready");
        try (ServerSocket s = new ServerSocket(0)) {
            prometheusPort = s.getLocalPort();
        }
        Path config = Cluster.WORK.resolve("prometheus.yml");
        // A fresh TSDB each time: series of an earlier test run would still answer within Prometheus' 5-minute lookback.
        Files.writeString(config, """
                global: {scrape_interval: 1s}
                scrape_configs:
                  - job_name: selfalign-operator
                    metrics_path: /q/metrics
                    static_configs: [{targets: ["127.0.0.1:%d"]}]
                """.formatted(operator.port));
        prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createTempDirectory(Cluster.WORK, "prometheus-data-"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(Cluster.WORK.resolve("prometheus.log").toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(prometheus::destroyForcibly));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            prometheus.waitFor(30, TimeUnit.SECONDS);
        }
        if (operator != null) operator.close();
        if (kubelet != null) kubelet.close();
    }

    /** The dashboard's expressions with Grafana's variables filled in as a user viewing this namespace would. */
    static List<String> dashboardExpressions() throws IOException {
        List<String> exprs = new ArrayList<>();
        for (JsonNode e : JSON.readTree(DASHBOARD.toFile()).findValues("expr")) {
            exprs.add(e.asText().replace("$namespace", NS).replace("$run", ".+").replace("$__rate_interval", "1m"));
        }
        return exprs;
    }

    static JsonNode query(String promql) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + prometheusPort + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    @Test
    void everyDashboardExpressionReturnsSeries() throws Exception {
        cluster.admin.resource(Runs.run(NS, "watched", 2)).create();
        cluster.admin.resource(Runs.run(NS, "broken", 1)).create();
        Runs.awaitPhase(NS, "watched", RunPhase.SUCCEEDED);
        Runs.awaitPhase(NS, "broken", RunPhase.FAILED);

        List<String> exprs = dashboardExpressions();
        assertEquals(10, exprs.size(), exprs.toString());
        List<String> empty = new ArrayList<>(exprs);
        // Scrapes every second; a rate needs two samples after the rounds ended.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).ignoreExceptionsInstanceOf(IOException.class)
                .untilAsserted(() -> {
                    for (String e : List.copyOf(empty)) {
                        JsonNode answer = query(e);
                        if ("success".equals(answer.path("status").asText()) && answer.path("data").path("result").size() > 0) {
                            empty.remove(e);
                        }
                    }
                    assertEquals(List.of(), empty, "dashboard expressions without series");
                });
    }
}
