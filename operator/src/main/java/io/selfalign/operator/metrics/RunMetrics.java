package io.selfalign.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.selfalign.api.v1alpha1.RunPhase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Per-run Prometheus series (labels {@code namespace}, {@code run}), beside JOSDK's own
 * {@code operator_sdk_*} reconciliation metrics:
 * <ul>
 *   <li>{@code selfalign_run_current_iteration} — the round in progress (0 = seed round)</li>
 *   <li>{@code selfalign_run_phase{phase}} — 1 for the run's phase, 0 for the other four</li>
 *   <li>{@code selfalign_round_duration_seconds} — histogram of successful rounds' trainer-reported duration</li>
 *   <li>{@code selfalign_round_failures_total{reason}} — rounds that failed, by Job/operator reason</li>
 *   <li>{@code selfalign_round_metric{metric}} — the latest successful round's reported metrics</li>
 *   <li>{@code selfalign_round_shards}, {@code selfalign_round_shards_completed} — the generate stage of the latest
 *       sharded round: its shards, and how many have finished</li>
 * </ul>
 * Gauges read holders kept here (Micrometer references gauge targets weakly); {@link #remove} drops every
 * series of a deleted run.
 */
public final class RunMetrics {
    private final MeterRegistry registry;
    private final Map<String, RunHolders> runs = new ConcurrentHashMap<>();

    /** Strongly held gauge values of one run. */
    private static final class RunHolders {
        final AtomicReference<Double> iteration = new AtomicReference<>(0.0);
        final AtomicReference<RunPhase> phase = new AtomicReference<>(RunPhase.PENDING);
        final Map<String, AtomicReference<Double>> roundMetrics = new ConcurrentHashMap<>();
        final AtomicReference<Double> shards = new AtomicReference<>(0.0);
        final AtomicReference<Double> shardsCompleted = new AtomicReference<>(0.0);
    }

    public RunMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Publishes the run's phase and current iteration. */
    public void observe(String namespace, String run, RunPhase phase, Integer currentIteration) {
        RunHolders h = holders(namespace, run);
        h.phase.set(phase);
        h.iteration.set(currentIteration == null ? 0.0 : currentIteration);
    }

    /** Publishes the generate stage's progress of a sharded round. */
    public void shards(String namespace, String run, int completed, int shards) {
        RunHolders h = holders(namespace, run);
        h.shards.set((double) shards);
        h.shardsCompleted.set((double) completed);
    }

    /** Publishes a finished round's reported metrics, replacing the previous round's. */
    public void roundMetrics(String namespace, String run, Map<String, Double> metrics) {
        RunHolders h = holders(namespace, run);
        if (metrics == null) return;
        h.roundMetrics.forEach((name, holder) -> {
            if (!metrics.containsKey(name)) holder.set(Double.NaN);
        });
        metrics.forEach((name, value) -> h.roundMetrics.computeIfAbsent(name, n -> {
            AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
            Gauge.builder("selfalign.round.metric", holder, r -> r.get())
                    .description("Latest successful round's reported metric")
                    .tags(tags(namespace, run).and("metric", n)).register(registry);
            return holder;
        }).set(value == null ? Double.NaN : value));
    }

    public void roundSucceeded(String namespace, String run, Duration duration) {
        Timer.builder("selfalign.round.duration").description("Duration of successful rounds as reported by the trainer")
                .publishPercentileHistogram()
                .tags(tags(namespace, run)).register(registry).record(duration);
    }

    public void roundFailed(String namespace, String run, String reason) {
        Counter.builder("selfalign.round.failures").description("Rounds that failed, by reason")
                .tags(tags(namespace, run).and("reason", reason)).register(registry).increment();
    }

    /** Removes every series of a run (called when the run is deleted). */
    public void remove(String namespace, String run) {
        runs.remove(namespace + "/" + run);
        for (Meter m : registry.getMeters()) {
            var id = m.getId();
            if (id.getName().startsWith("selfalign.") && namespace.equals(id.getTag("namespace")) && run.equals(id.getTag("run"))) {
                registry.remove(m);
            }
        }
    }

    private RunHolders holders(String namespace, String run) {
        return runs.computeIfAbsent(namespace + "/" + run, key -> {
            RunHolders h = new RunHolders();
            Gauge.builder("selfalign.run.current.iteration", h.iteration, r -> r.get())
                    .description("The run's round in progress (0 = seed round)")
                    .tags(tags(namespace, run)).register(registry);
            Gauge.builder("selfalign.round.shards", h.shards, r -> r.get())
                    .description("Shards of the latest sharded round's generate stage (0: no sharded round yet)")
                    .tags(tags(namespace, run)).register(registry);
            Gauge.builder("selfalign.round.shards.completed", h.shardsCompleted, r -> r.get())
                    .description("Shards of the latest sharded round that have finished generating and judging")
                    .tags(tags(namespace, run)).register(registry);
            for (RunPhase phase : RunPhase.values()) {
                Gauge.builder("selfalign.run.phase", h.phase, p -> phase == p.get() ? 1 : 0)
                        .description("1 for the run's current phase, else 0")
                        .tags(tags(namespace, run).and("phase", phase.toString())).register(registry);
            }
            return h;
        });
    }

    private static Tags tags(String namespace, String run) {
        return Tags.of("namespace", namespace, "run", run);
    }
}
