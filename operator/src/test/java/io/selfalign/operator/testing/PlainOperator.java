package io.selfalign.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.selfalign.operator.config.OperatorSettings;
import io.selfalign.operator.metrics.RunMetrics;
import io.selfalign.operator.reconcile.AlignmentRunReconciler;
import java.util.Optional;

/**
 * The real reconciler in a plain JOSDK operator (no Quarkus) on any API server: the mock of {@link OperatorHarness},
 * or a real kube-apiserver in the end-to-end module, which therefore must not load the mock's classes.
 */
public final class PlainOperator {
    static final OperatorSettings SETTINGS = new OperatorSettings("ghcr.io/selfalign/trainer:test", Optional.empty(), "nvidia.com/gpu");

    private PlainOperator() {}

    /** Starts it with 8 reconcile threads and no server-side apply, as the production configuration. */
    public static Operator start(KubernetesClient client, Metrics josdkMetrics, RunMetrics metrics) {
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withConcurrentReconciliationThreads(8)
                .withMetrics(josdkMetrics));
        operator.register(new AlignmentRunReconciler(SETTINGS, metrics));
        operator.start();
        return operator;
    }
}
