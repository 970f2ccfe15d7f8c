package io.selfalign.operator.testing;

import io.selfalign.testkit.SampleRuns;
import io.selfalign.api.v1alpha1.RunPhase;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.operator.config.OperatorSettings;
import io.selfalign.operator.metrics.RunMetrics;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The real reconciler in a plain JOSDK operator against Fabric8's mock API server in CRUD mode, with the
 * checked-in CRD registered (so the status subresource behaves) and a {@link TestKubelet}.
 */
public final class OperatorHarness implements AutoCloseable {
    public static final Path CRD = Path.of("..", "crds", "alignmentruns.selfalign.io-v1.yml");
    public static final String NS = "team-a";

    public final KubernetesMockServer server;
    public final KubernetesClient client;
    public final TestKubelet kubelet;
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RunMetrics metrics = new RunMetrics(registry);
    private Operator operator;

    public OperatorHarness() throws Exception {
        this(true);
    }

    /** @param started false: no operator and no test kubelet yet (the test brings its own, or {@link ReconcileLoad} does) */
    public OperatorHarness(boolean started) throws Exception {
        // CRUD mode, plus expectations (server.expect()) that a test sets to inject a fault; they take precedence.
        var expectations = new HashMap<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, new KubernetesMixedDispatcher(expectations), false);
        server.init();
        client = server.createClient();
        try (InputStream in = Files.newInputStream(CRD)) {
            client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
        }
        kubelet = started ? new TestKubelet(client) : null;
        if (started) startOperator();
    }

    public void startOperator() {
        operator = PlainOperator.start(client, Metrics.NOOP, metrics);
    }

    public void stopOperator() {
        operator.stop();
        operator = null;
    }

    public static OperatorSettings settings() {
        return PlainOperator.SETTINGS;
    }

    /** A small valid run: seed round plus {@code iterations} iterations, on an existing claim. */
    public static AlignmentRun run(String name, int iterations) {
        return SampleRuns.run(NS, name, iterations);
    }

    public AlignmentRun create(AlignmentRun run) {
        return client.resource(run).create();
    }

    /**
     * Changes a run's spec the way {@code kubectl patch --type merge} does: the patch carries no resourceVersion,
     * so the operator's concurrent status writes cannot turn the edit into a 409 conflict.
     */
    public AlignmentRun editSpec(String name, Consumer<AlignmentRunSpec> change) {
        AlignmentRunSpec spec = get(name).getSpec();
        change.accept(spec);
        return client.resources(AlignmentRun.class).inNamespace(NS).withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("spec", spec)));
    }

    public AlignmentRun get(String name) {
        return client.resources(AlignmentRun.class).inNamespace(NS).withName(name).get();
    }

    public AlignmentRun awaitRun(String name, Predicate<AlignmentRun> condition) {
        return awaitRun(name, condition, Duration.ofSeconds(20));
    }

    public AlignmentRun awaitRun(String name, Predicate<AlignmentRun> condition, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
            AlignmentRun r = get(name);
            return r != null && r.getStatus() != null && condition.test(r);
        });
        return get(name);
    }

    public static Predicate<AlignmentRun> phase(RunPhase phase) {
        return r -> phase.equals(r.getStatus().phase);
    }

    @Override
    public void close() {
        if (operator != null) operator.stop();
        if (kubelet != null) kubelet.close();
        client.close();
        server.destroy();
    }
}
