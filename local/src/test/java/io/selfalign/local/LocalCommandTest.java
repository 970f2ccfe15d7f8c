package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
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

    /** A missing model (a typo) used to run keysort prepare over the workspace before the spec was checked. */
    @Test
    void anInvalidSpecBootstrapsNothing() throws Exception {
        assertEndsInvalidNaming("spec.training.microBatchSize", "microBatchSize: 4", "microBatchSize: 3",
                "namespace: e2e\n", "namespace: e2e\n  annotations:\n    selfalign.io/bootstrap: keysort\n",
                "path: models/tiny-llama", "path: models/tiny-lama");
        assertTrue(Files.notExists(dir.resolve("ws/models")) && Files.notExists(dir.resolve("ws/data")), "nothing was prepared");
    }

    /** A taken API port used to end with "Unable to start MockWebServer" and a stack trace. */
    @Test
    void aTakenApiPortIsAUsageErrorNamingTheOptionAndThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Result r = execute("--api-port", String.valueOf(port));
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains("--api-port: port " + port + " on 127.0.0.1 is in use"), r.err());
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        }
    }

    /** Port 70000 used to end with Java's "port out of range". */
    @Test
    void aPortOutOfRangeIsAUsageErrorNamingTheOptionAndTheRange() throws Exception {
        for (String option : List.of("--metrics-port", "--api-port")) {
            Result r = execute(option, "70000");
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains(option + ": 70000 is not a port; give 1-65535, or 0"), r.err());
        }
    }

    /** A link planted as the run's uid file had local mode overwrite the file it points to, outside the workspace. */
    @Test
    void aLinkInTheStateFolderIsRefusedNamingItAndTheFileItPointsToIsLeftAlone() throws Exception {
        Path outside = Files.writeString(dir.resolve("outside.txt"), "mine");
        Path uid = Files.createDirectories(dir.resolve("ws/.selfalign-local")).resolve("e2e.tiny-spa.uid");
        Files.createSymbolicLink(uid, outside);
        Result r = execute(LocalMain.commandLine(), "local");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("selfalign: " + uid + ": a symbolic link (to " + outside + "); local mode does not write"
                + " through links in the workspace"), r.err());
        assertEquals("mine", Files.readString(outside));
    }

    record Result(int exit, String out, String err) {}

    /** The command on the end-to-end run with {@code options}, in a fresh workspace; metrics off unless given. */
    private Result execute(String... options) throws Exception {
        return execute(new CommandLine(new LocalCommand()), null, options);
    }

    /** {@link #execute(String...)} through {@code cli}, after {@code subcommand} when not null. */
    private Result execute(CommandLine cli, String subcommand, String... options) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.copy(LocalEndToEndTest.resource("e2e").resolve("tiny-spa.yaml"), file, StandardCopyOption.REPLACE_EXISTING);
        List<String> args = new ArrayList<>(subcommand == null ? List.of() : List.of(subcommand));
        args.addAll(List.of("-f", file.toString(), "--workspace", dir.resolve("ws").toString(),
                "--trainer-jar", LocalEndToEndTest.trainerJar().toString()));
        if (!List.of(options).contains("--metrics-port")) args.addAll(List.of("--metrics-port", "0"));
        args.addAll(List.of(options));
        StringWriter err = new StringWriter();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = cli.setErr(new PrintWriter(err, true)).execute(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        return new Result(exit, captured.toString(StandardCharsets.UTF_8), err.toString());
    }

    /** Replaces each (from, to) pair of {@code edits} in the end-to-end run and expects exit 2 naming {@code field}. */
    private void assertEndsInvalidNaming(String field, String... edits) throws Exception {
        String yaml = Files.readString(LocalEndToEndTest.resource("e2e").resolve("tiny-spa.yaml"));
        for (int i = 0; i < edits.length; i += 2) {
            assertTrue(yaml.contains(edits[i]), edits[i]);
            yaml = yaml.replace(edits[i], edits[i + 1]);
        }
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, yaml);
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
