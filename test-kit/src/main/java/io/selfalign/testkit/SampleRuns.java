package io.selfalign.testkit;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import io.selfalign.api.v1alpha1.DataSpec;
import io.selfalign.api.v1alpha1.ModelSpec;
import io.selfalign.api.v1alpha1.WorkspaceSpec;
import java.util.List;

/** The small valid AlignmentRun the operator's tests and the end-to-end tests start from. */
public final class SampleRuns {
    private SampleRuns() {}

    /** A seed round plus {@code iterations} iterations of 100 prompts, on the existing claim {@code shared}. */
    public static AlignmentRun run(String namespace, String name, int iterations) {
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
}
