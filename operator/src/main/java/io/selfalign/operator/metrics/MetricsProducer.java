package io.selfalign.operator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

/** Publishes the run series on the application's Prometheus registry ({@code /q/metrics}). */
@Singleton
public class MetricsProducer {
    @Produces
    @Singleton
    RunMetrics runMetrics(MeterRegistry registry) {
        return new RunMetrics(registry);
    }
}
