package io.selfalign.trainer.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.selfalign.trainer.train.PreferenceTrainer;
import java.io.IOException;
import java.util.function.ToDoubleFunction;

/**
 * The round's live Prometheus endpoint ({@code GET /metrics}): stage, step, loss, margin, accuracy,
 * learning rate, flagged fraction and training tokens/s of the latest optimizer step, tagged with
 * the run's namespace, name and iteration. Series (Prometheus names):
 * {@code selfalign_round_stage{stage}} (1 for the current stage), {@code selfalign_round_stage_progress},
 * {@code selfalign_round_step}, {@code selfalign_round_total_steps}, {@code selfalign_round_loss},
 * {@code selfalign_round_margin}, {@code selfalign_round_accuracy}, {@code selfalign_round_learning_rate},
 * {@code selfalign_round_flagged_fraction}, {@code selfalign_round_tokens_per_second}.
 */
public final class MetricsServer implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final HTTPServer server;

    private MetricsServer(PrometheusMeterRegistry registry, HTTPServer server) {
        this.registry = registry;
        this.server = server;
    }

    /**
     * Serves the progress on {@code address:port} (0 picks a free port, for tests).
     *
     * @param address the interface to listen on: {@code 0.0.0.0} in a pod (scraped from outside), {@code 127.0.0.1}
     *                on a workstation (local mode), where nobody else on the network should read it
     * @throws IOException the port cannot be bound
     */
    public static MetricsServer start(String address, int port, RoundProgress progress, String namespace, String run) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Tags tags = Tags.of("namespace", namespace, "run", run, "iteration", String.valueOf(progress.iteration()));
        for (String stage : RoundProgress.STAGES) {
            Gauge.builder("selfalign.round.stage", progress, p -> p.stage().equals(stage) ? 1 : 0)
                    .description("1 for the stage the round is in").tags(tags.and("stage", stage)).register(registry);
        }
        Gauge.builder("selfalign.round.stage.progress", progress, RoundProgress::stageProgress)
                .description("share of the current stage done (0..1)").tags(tags).register(registry);
        step(registry, tags, progress, "step", "optimizer steps done", m -> m.step() + 1);
        step(registry, tags, progress, "total.steps", "optimizer steps of the round", PreferenceTrainer.StepMetrics::totalSteps);
        step(registry, tags, progress, "loss", "loss of the latest optimizer step", PreferenceTrainer.StepMetrics::loss);
        step(registry, tags, progress, "margin", "mean reward margin of the latest step", PreferenceTrainer.StepMetrics::margin);
        step(registry, tags, progress, "accuracy", "share of the latest step's pairs with chosen reward > rejected", PreferenceTrainer.StepMetrics::accuracy);
        step(registry, tags, progress, "learning.rate", "learning rate of the latest step", PreferenceTrainer.StepMetrics::learningRate);
        step(registry, tags, progress, "flagged.fraction", "share of the latest step's pairs flagged as noisy (spa)", PreferenceTrainer.StepMetrics::flaggedFraction);
        step(registry, tags, progress, "tokens.per.second", "training tokens per second of the latest step", PreferenceTrainer.StepMetrics::tokensPerSecond);

        // The Prometheus client's own exporter (also local mode's): /metrics, a daemon thread pool.
        HTTPServer server = HTTPServer.builder().hostname(address).port(port).registry(registry.getPrometheusRegistry()).buildAndStart();
        return new MetricsServer(registry, server);
    }

    private static void step(PrometheusMeterRegistry registry, Tags tags, RoundProgress progress, String name, String description,
                             ToDoubleFunction<PreferenceTrainer.StepMetrics> value) {
        Gauge.builder("selfalign.round." + name, progress, p -> p.lastStep() == null ? Double.NaN : value.applyAsDouble(p.lastStep()))
                .description(description).tags(tags).register(registry);
    }

    /** The port actually bound. */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
        registry.close();
    }
}
