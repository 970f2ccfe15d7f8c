package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every AlignmentRun under examples/ is accepted by the CRD's schema, as kubectl apply would check it. */
class ExamplesSchemaTest {

    static final CrdSchema SCHEMA = CrdSchema.load(Repo.CRD);

    @TestFactory
    Stream<DynamicTest> everyExampleRunMatchesTheCrdSchema() {
        List<Document> runs = alignmentRuns();
        return runs.stream().map(doc -> DynamicTest.dynamicTest(doc.toString(), () ->
                assertEquals(List.of(), SCHEMA.problems(doc.object), doc + " is rejected by the CRD schema")));
    }

    @Test
    void theGpuAndPaperExamplesAreAmongThem() {
        List<String> files = alignmentRuns().stream().map(d -> Repo.EXAMPLES.relativize(d.file).toString()).toList();
        assertTrue(files.contains("gpu/qwen2.5-0.5b-ultrafeedback.yaml"), files.toString());
        assertTrue(files.contains("paper/zephyr-7b-spa.yaml"), files.toString());
        assertTrue(files.contains("paper/zephyr-7b-spa-lora.yaml"), files.toString());
    }

    @Test
    void theLoraPaperExampleIsThePapersLoopWithAdaptersAtA1024TokenLimit() {
        JsonNode spec = alignmentRuns().stream().filter(d -> d.file.endsWith("paper/zephyr-7b-spa-lora.yaml"))
                .findFirst().orElseThrow().object.path("spec");
        assertEquals("[8000,20000,30000]", spec.at("/data/promptsPerIteration").toString());
        assertEquals("[0.5,0.25,0.125]", spec.at("/training/refinement/extrapolation").toString());
        assertEquals(16, spec.at("/training/lora/rank").asInt());
        // docs/memory.md: ~45 GiB at one pair of 1024 tokens fits 80 GB; 2048 tokens would not.
        assertEquals(1024, spec.at("/training/maxLength").asInt());
        assertEquals(1, spec.at("/training/microBatchSize").asInt());
    }

    @Test
    void everyYamlUnderExamplesIsKubernetesObjects() {
        for (Document doc : documents()) {
            assertFalse(doc.object.path("apiVersion").asText().isEmpty(), doc + " has no apiVersion");
            assertFalse(doc.object.path("kind").asText().isEmpty(), doc + " has no kind");
            assertFalse(doc.object.at("/metadata/name").asText().isEmpty(), doc + " has no metadata.name");
        }
    }

    @Test
    void thePaperExampleIsThePapersSetting() {
        JsonNode spec = alignmentRuns().stream().filter(d -> d.file.endsWith("paper/zephyr-7b-spa.yaml"))
                .findFirst().orElseThrow().object.path("spec");
        assertEquals("[8000,20000,30000]", spec.at("/data/promptsPerIteration").toString());
        assertEquals(3, spec.path("iterations").asInt());
        assertEquals("spa", spec.at("/training/loss").asText());
        assertEquals(5.0e-7, spec.at("/training/learningRate").asDouble());
        assertEquals(0.1, spec.at("/training/beta").asDouble());
        assertEquals(32, spec.at("/training/batchSize").asInt());
        assertEquals("[0.5,0.25,0.125]", spec.at("/training/refinement/extrapolation").toString());
        assertEquals("initial", spec.at("/judge/reference").asText());
    }

    /** The validator must be able to say no, or the test above proves nothing. */
    @Test
    void mistakesInARunAreRejectedWithTheirPath() {
        ObjectNode run = (ObjectNode) alignmentRuns().get(0).object;
        assertRejected(run, r -> ((ObjectNode) r.path("spec")).put("iterations", 51), "iterations");
        assertRejected(run, r -> ((ObjectNode) r.path("spec")).put("iterationz", 3), "iterationz");
        assertRejected(run, r -> ((ObjectNode) r.at("/spec/training")).put("loss", "ppo"), "loss");
        assertRejected(run, r -> ((ObjectNode) r.at("/spec/model")).put("dtype", "bfloat16"), "dtype");
        assertRejected(run, r -> ((ObjectNode) r.at("/spec/generation")).put("samplesPerPrompt", 1), "samplesPerPrompt");
        assertRejected(run, r -> ((ObjectNode) r.path("spec")).remove("model"), "model");
        assertRejected(run, r -> ((ObjectNode) r.at("/spec/data")).put("promptsPerIteration", "2000"), "promptsPerIteration");
        assertRejected(run, r -> ((ObjectNode) r.path("metadata")).put("name", "Qwen_Run"), "metadata.name");
        assertRejected(run, r -> r.put("apiVersion", "selfalign.io/v1"), "apiVersion");
    }

    private static void assertRejected(ObjectNode valid, Consumer<ObjectNode> mistake, String mentions) {
        ObjectNode broken = valid.deepCopy();
        mistake.accept(broken);
        List<String> problems = SCHEMA.problems(broken);
        assertTrue(problems.stream().anyMatch(p -> p.contains(mentions)), "expected a problem naming " + mentions + ", got " + problems);
    }

    record Document(Path file, int index, JsonNode object) {
        @Override
        public String toString() {
            return Repo.EXAMPLES.relativize(file) + (index > 0 ? "#" + index : "");
        }
    }

    static List<Document> alignmentRuns() {
        return documents().stream().filter(d -> SCHEMA.kind.equals(d.object.path("kind").asText())).collect(Collectors.toList());
    }

    static List<Document> documents() {
        List<Document> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Repo.EXAMPLES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList()) {
                try (var parser = RenderedChart.YAML.getFactory().createParser(file.toFile())) {
                    int i = 0;
                    for (var it = RenderedChart.YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                        JsonNode node = it.next();
                        if (node != null && !node.isNull() && !node.isEmpty()) docs.add(new Document(file, i++, node));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }
}
