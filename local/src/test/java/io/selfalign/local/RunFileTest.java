package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.round.RoundSpecs;
import io.selfalign.operator.validate.SpecValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Files a user hands to {@code ./selfalign local -f}: each mistake is one line naming the field. */
class RunFileTest {
    @TempDir
    Path dir;
    String good;

    @BeforeEach
    void read() throws Exception {
        good = Files.readString(LocalEndToEndTest.resource("e2e").resolve("tiny-spa.yaml"));
    }

    private String rejected(String yaml) throws Exception {
        Path file = Files.writeString(dir.resolve("run.yaml"), yaml);
        String message = assertThrows(IllegalArgumentException.class, () -> RunFile.read(file)).getMessage();
        assertTrue(message.startsWith(file + ": "), message);
        for (String raw : List.of("Source:", "UNKNOWN", "Cannot deserialize", "Cannot coerce", "jackson", "java.")) {
            assertFalse(message.contains(raw), "no parser message: " + message);
        }
        return message.substring(file.toString().length() + 2);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "'iterations: 2'            | 'iterations: 2.7'            | 'spec.iterations: expected an integer, got 2.7'",
            "'promptsPerIteration: [8, 8]' | 'promptsPerIteration: 8'  | 'spec.data.promptsPerIteration: expected a list (e.g. [8]), got 8'",
            "'batchSize: 4\n    microBatchSize' | 'batchSize: four\n    microBatchSize' | 'spec.training.batchSize: expected an integer, got four'",
            "'apiVersion: selfalign.io/v1alpha1' | 'apiVersion: selfalign.io/v9' | 'apiVersion: expected selfalign.io/v1alpha1, got ''selfalign.io/v9'''",
            "'name: tiny-spa'           | 'name: KeySort_SPA'          | 'metadata.name: must be lower-case letters'",
            "'name: tiny-spa'           | 'name: ..'                   | 'metadata.name: must be lower-case letters'",
            "'namespace: e2e'           | 'namespace: ..'              | 'metadata.namespace: must be at most 63'",
            "'namespace: e2e'           | 'namespace: ../..'           | 'metadata.namespace: must be at most 63'",
    })
    void aWrongValueIsNamed(String from, String to, String expected) throws Exception {
        assertTrue(good.contains(from), from);
        String message = rejected(good.replace(from, to));
        assertTrue(message.startsWith(expected), message);
    }

    @Test
    void twoDocumentsInOneFileAreRefused() throws Exception {
        assertEquals("holds 2 YAML documents; local mode runs one AlignmentRun, give it a file of its own",
                rejected(good + "---\n" + good.replace("tiny-spa", "second")));
        assertTrue(rejected("---\n").startsWith("holds 0 YAML documents"));
    }

    /** A quoted number was read as a number; a cluster's CRD schema refuses it. */
    @Test
    void aNumberWrittenAsAStringIsRefusedWithItsFieldAndLine() throws Exception {
        String message = rejected(good.replace("maxNewTokens: 8", "maxNewTokens: 8\n    shards: \"2\""));
        assertEquals("spec.generation.shards: expected an integer, got the string \"2\" (leave out the quotes) (line 20)", message);
        assertEquals("spec.backoffLimit: expected an integer, got the string \"0\" (leave out the quotes) (line 39)",
                rejected(good.replace("backoffLimit: 0", "backoffLimit: \"0\"")));
    }

    /** Which of two values won was the parser's choice (the last one), silently. */
    @Test
    void aDuplicatedKeyIsRefusedWithTheKeyAndItsLine() throws Exception {
        String message = rejected(good.replace("maxNewTokens: 8", "maxNewTokens: 8\n    samplesPerPrompt: 4"));
        assertEquals("duplicate key 'samplesPerPrompt' (line 20): each key may appear once in a mapping", message);
    }

    @Test
    void aLongValueIsCutInTheMessage() throws Exception {
        String token = "ghp_" + "x".repeat(300);
        String message = rejected(good.replace("iterations: 2", "iterations: " + token));
        assertTrue(message.contains("... (304 characters)") && !message.contains(token), message);
    }

    @Test
    void nonFiniteNumbersParseButFailValidationNamingTheField() throws Exception {
        Path file = Files.writeString(dir.resolve("inf.yaml"), good.replace("learningRate: 1.0e-3", "learningRate: .inf\n    beta: .inf"));
        AlignmentRun run = RunFile.read(file);
        List<String> problems = new SpecValidator(new RoundSpecs("nvidia.com/gpu")).validate(run);
        assertTrue(problems.contains("spec.training.learningRate: must be a finite number, got Infinity"), problems.toString());
        assertTrue(problems.contains("spec.training.beta: must be a finite number, got Infinity"), problems.toString());
    }

    @Test
    void theExampleStillReads() throws Exception {
        AlignmentRun run = RunFile.read(LocalEndToEndTest.resource("e2e").resolve("tiny-spa.yaml"));
        assertEquals(2, run.getSpec().iterations);
        assertEquals(List.of(8L, 8L), run.getSpec().data.promptsPerIteration);
    }
}
