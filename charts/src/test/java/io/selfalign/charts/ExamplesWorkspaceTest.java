package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The GPU examples listed in examples/README.md and the preparation steps documented there fit together:
 * same claim, same paths; and every example pod is admissible under the restricted profile.
 */
class ExamplesWorkspaceTest {

    static final List<ExamplesSchemaTest.Document> DOCS = ExamplesSchemaTest.documents();

    @Test
    void gpuRunsUseTheClaimTheExamplesCreate() {
        Set<String> claims = DOCS.stream().filter(d -> d.object().path("kind").asText().equals("PersistentVolumeClaim"))
                .map(d -> d.object().at("/metadata/name").asText()).collect(Collectors.toSet());
        for (ExamplesSchemaTest.Document run : gpuRuns()) {
            assertTrue(claims.contains(run.object().at("/spec/workspace/claimName").asText()), run + " uses a claim no example creates: " + claims);
        }
    }

    @Test
    void gpuRunsReadWhatThePreparationWrites() {
        String script = Repo.read(Repo.EXAMPLES.resolve("workspace/prepare_workspace.py"));
        JsonNode prepare = DOCS.stream().filter(d -> d.object().path("kind").asText().equals("Job")).findFirst().orElseThrow().object();
        String preparedModel = env(prepare, "MODEL_DIR");
        String readme = Repo.read(Repo.EXAMPLES.resolve("README.md"));
        for (ExamplesSchemaTest.Document run : gpuRuns()) {
            JsonNode spec = run.object().path("spec");
            // The script writes data/ultrafeedback/{seed,prompts}.jsonl under the workspace root.
            assertEquals("data/ultrafeedback/seed.jsonl", spec.at("/data/seedPreferences").asText(), run.toString());
            assertEquals("data/ultrafeedback/prompts.jsonl", spec.at("/data/prompts").asText(), run.toString());
            assertTrue(script.contains("\"seed.jsonl\"") && script.contains("\"prompts.jsonl\"") && script.contains("\"ultrafeedback\""));
            String model = spec.at("/model/path").asText();
            assertTrue(model.equals(preparedModel) || readme.contains("#value: " + model + "#"),
                    run + ": neither the preparation Job nor the README's variant of it writes " + model);
        }
    }

    @Test
    void everyExamplePodPassesTheRestrictedPodSecurityStandard() {
        List<ExamplesSchemaTest.Document> jobs = DOCS.stream().filter(d -> d.object().path("kind").asText().equals("Job")).toList();
        assertFalse(jobs.isEmpty());
        for (ExamplesSchemaTest.Document job : jobs) {
            assertEquals(List.of(), PodSecurity.restrictedViolations(job.object().at("/spec/template/spec")), job.toString());
        }
    }

    /** The runs the README's table documents as using the prepared workspace. */
    private static List<ExamplesSchemaTest.Document> gpuRuns() {
        java.util.regex.Matcher listed = java.util.regex.Pattern.compile("`((?:gpu|paper)/[^`]+\\.yaml)`")
                .matcher(Repo.read(Repo.EXAMPLES.resolve("README.md")));
        Set<String> files = new java.util.TreeSet<>();
        while (listed.find()) files.add(listed.group(1));
        assertFalse(files.isEmpty(), "examples/README.md lists no GPU example");
        List<ExamplesSchemaTest.Document> runs = ExamplesSchemaTest.alignmentRuns().stream()
                .filter(d -> files.contains(d.toString())).toList();
        assertEquals(files, runs.stream().map(Object::toString).collect(Collectors.toSet()), "README lists runs that do not exist");
        return runs;
    }

    private static String env(JsonNode job, String name) {
        for (JsonNode e : job.at("/spec/template/spec/containers/0/env")) {
            if (e.path("name").asText().equals(name)) return e.path("value").asText();
        }
        throw new AssertionError("no env " + name + " in the preparation Job");
    }
}
