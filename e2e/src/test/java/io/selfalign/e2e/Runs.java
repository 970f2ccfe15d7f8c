package io.selfalign.e2e;

import static org.awaitility.Awaitility.await;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.api.v1alpha1.DataSpec;
import io.selfalign.api.v1alpha1.ModelSpec;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.api.v1alpha1.WorkspaceSpec;
import java.time.Duration;
import java.util.List;

/** Small valid AlignmentRuns (the operator tests' shape) and waiting for their phase. */
final class Runs {
    private Runs() {}

    /** A seed round plus {@code iterations} iterations on an existing claim. */
    static AlignmentRun run(String namespace, String name, int iterations) {
        AlignmentRun run = new AlignmentRun();
        run.getMetadata().setName(name);
        run.getMetadata().setNamespace(namespace);
        AlignmentRunSpec spec = new AlignmentRunSpec();
        spec.model = new ModelSpec();
        spec.model.path = "models/sft";
        spec.data = new DataSpec();
        spec.data.seedPreferences = "data/seed.jsonl";
        spec.data.prompts = "data/prompts.jsonl";
        spec.data.promptsPerIteration = List.of(100L);
        spec.iterations = iterations;
        spec.workspace = new WorkspaceSpec();
        spec.workspace.claimName = "shared";
        run.setSpec(spec);
        return run;
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
