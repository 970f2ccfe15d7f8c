package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The local command itself, as {@code ./selfalign local} runs it. */
class LocalCommandTest {
    @TempDir
    Path dir;

    @Test
    void anInvalidSpecEndsTheCommandWithTheFieldNamedInsteadOfWaiting() throws Exception {
        assertEndsInvalidNaming("spec.training.microBatchSize", "microBatchSize: 4", "microBatchSize: 3");   // must divide batchSize (4)
    }

    @Test
    void aNonFiniteNumberEndsTheCommandWithTheFieldNamed() throws Exception {
        // YAML's .inf parses as a number and passes "> 0"; trained, it would give a NaN gradient hours later.
        assertEndsInvalidNaming("spec.training.learningRate: must be a finite number", "learningRate: 1.0e-3", "learningRate: .inf");
    }

    private void assertEndsInvalidNaming(String field, String from, String to) throws Exception {
        String yaml = Files.readString(LocalEndToEndTest.resource("e2e").resolve("tiny-spa.yaml"));
        assertTrue(yaml.contains(from), from);
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, yaml.replace(from, to));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new LocalCommand()).execute("-f", file.toString(), "--workspace", dir.resolve("ws").toString(),
                    "--trainer-jar", LocalEndToEndTest.trainerJar().toString(), "--metrics-port", "0");
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(2, exit, out);
        assertTrue(out.contains("Invalid spec in " + file + ": ") && out.contains(field), out);
        assertTrue(Files.notExists(dir.resolve("ws/.selfalign-local/pods")) || isEmpty(dir.resolve("ws/.selfalign-local/pods")),
                "no round was started");
    }

    private static boolean isEmpty(Path folder) throws Exception {
        try (var files = Files.list(folder)) {
            return files.findAny().isEmpty();
        }
    }
}
