package io.selfalign.e2e;

import io.selfalign.testkit.SampleRuns;
import static org.awaitility.Awaitility.await;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import java.time.Duration;

/** Small valid AlignmentRuns (the operator tests' shape) and waiting for their phase. */
final class Runs {
    private Runs() {}

    /** A seed round plus {@code iterations} iterations on an existing claim. */
    static AlignmentRun run(String namespace, String name, int iterations) {
        return SampleRuns.run(namespace, name, iterations);
    }

    static AlignmentRun awaitPhase(String namespace, String name, RunPhase phase) {
        var runs = Cluster.shared().admin.resources(AlignmentRun.class).inNamespace(namespace);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            AlignmentRun r = runs.withName(name).get();
            return r != null && r.getStatus() != null && phase.equals(r.getStatus().phase);
        });
        return runs.withName(name).get();
    }
}
