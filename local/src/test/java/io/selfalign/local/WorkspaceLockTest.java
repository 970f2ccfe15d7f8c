package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Two local modes on one workspace: the second overwrote the first's kubeconfig and pod folders. */
class WorkspaceLockTest {
    @TempDir
    Path dir;

    /** Another process holding the lock as a local mode does (an OS lock on the file, its pid inside). */
    private static final String HOLDER = """
            import java.nio.*; import java.nio.channels.*; import java.nio.file.*;
            public class Holder { public static void main(String[] a) throws Exception {
              FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
              c.lock(); c.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\\n").getBytes()), 0);
              System.out.println("locked"); System.out.flush(); Thread.sleep(120_000); } }
            """;

    @Test
    void aSecondLocalModeOnTheWorkspaceIsRefusedNamingTheLockAndTheFirstsPid() throws Exception {
        Path ws = dir.resolve("ws");
        Path state = Files.createDirectories(ws.resolve(".selfalign-local"));
        Path lockFile = state.resolve(WorkspaceLock.FILE);
        Path holder = Files.writeString(dir.resolve("Holder.java"), HOLDER);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process first = new ProcessBuilder(java, holder.toString(), lockFile.toString()).redirectErrorStream(true).start();
        try {
            String line = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertEquals("locked", line);
            Path file = dir.resolve("run.yaml");
            Files.copy(LocalEndToEndTest.resource("e2e").resolve("tiny-spa.yaml"), file);
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream stdout = System.out;
            int exit;
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                exit = new CommandLine(new LocalCommand()).execute("-f", file.toString(), "--workspace", ws.toString(),
                        "--trainer-jar", LocalEndToEndTest.trainerJar().toString(), "--metrics-port", "0");
            } finally {
                System.setOut(stdout);
            }
            String out = captured.toString(StandardCharsets.UTF_8);
            assertEquals(LocalCommand.EXIT_WORKSPACE_IN_USE, exit, out);
            assertTrue(out.contains("pid " + first.pid()) && out.contains(lockFile.toString()), out);
            assertTrue(Files.notExists(state.resolve("kubeconfig")), "the first's kubeconfig is left alone");
        } finally {
            first.destroyForcibly().waitFor();
        }
    }

    @Test
    void theLockOfAKilledLocalModeIsTakenOverAndAnOrderlyEndLeavesNone() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Files.writeString(state.resolve(WorkspaceLock.FILE), ended.pid() + "\n");
        try (WorkspaceLock lock = WorkspaceLock.acquire(state)) {
            assertEquals(Optional.of("pid " + ended.pid()), lock.takenOver());
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(state.resolve(WorkspaceLock.FILE)));
        }
        try (WorkspaceLock again = WorkspaceLock.acquire(state)) {
            assertEquals(Optional.empty(), again.takenOver(), "released in order: nothing to take over");
        }
    }
}
