package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer image's native layout, without Docker: runs trainer-image/docker/layout-natives.sh (as
 * the image build does) on the real DJL jars, then starts a JVM with the CPU image's environment
 * (read from the Dockerfile, /opt mapped into a temp dir) and classpath — pytorch-native-cpu removed —
 * and checks that PyTorch and the tokenizers load from the laid-out files and that nothing is
 * extracted or written at run time, not even under the user's home or java.io.tmpdir.
 */
class TrainerImageNativesTest {

    static final Path SCRIPT = Repo.ROOT.resolve("trainer-image/docker/layout-natives.sh");
    static final Path TOKENIZER = Repo.ROOT.resolve("trainer-image/src/test/resources/fixtures/tiny-llama/tokenizer.json");

    @Test
    void cpuLayoutLoadsPyTorchAndTokenizersWithoutWritingAnything(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("unzip") && onPath("sh"), "the image build's script needs sh and unzip");
        Path app = tmp.resolve("app");
        Path lib = Files.createDirectories(app.resolve("lib"));
        for (String jar : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(jar);
            if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar")) Files.copy(p, lib.resolve(p.getFileName()));
        }
        Path out = tmp.resolve("out");

        Process layout = new ProcessBuilder("sh", SCRIPT.toString(), "cpu", app.toString(), out.toString())
                .redirectErrorStream(true).start();
        String layoutLog = new String(layout.getInputStream().readAllBytes());
        assertTrue(layout.waitFor(120, TimeUnit.SECONDS) && layout.exitValue() == 0, layoutLog);
        try (Stream<Path> jars = Files.list(lib)) {
            assertTrue(jars.noneMatch(j -> j.getFileName().toString().startsWith("pytorch-native-cpu")),
                    "the 112 MB CPU natives jar is dropped: PYTORCH_LIBRARY_PATH replaces it");
        }

        // The CPU image's environment; home and temp dir inside the watched tree, so any write shows.
        String classpath = lib + File.separator + "*" + File.pathSeparator + Path.of(NativeLayoutProbe.class
                .getProtectionDomain().getCodeSource().getLocation().toURI());
        ProcessBuilder probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + tmp.resolve("home"), "-Djava.io.tmpdir=" + tmp.resolve("java-tmp"),
                "-cp", classpath, NativeLayoutProbe.class.getName(), TOKENIZER.toString())
                .redirectErrorStream(true);
        Map<String, String> env = probe.environment();
        env.keySet().removeIf(k -> k.startsWith("DJL") || k.startsWith("PYTORCH") || k.startsWith("JAVA_")
                || k.startsWith("JDK_") || k.startsWith("XDG_") || k.equals("ENGINE_CACHE_DIR"));
        Files.createDirectory(tmp.resolve("java-tmp"));
        Set<String> before = tree(tmp);
        ImagesTest.TRAINER.stage("cpu").env().forEach((name, value) -> {
            if (!name.equals("PATH")) env.put(name, value
                    .replace("/opt/selfalign", app.toString()).replace("/opt/", out + "/"));
        });
        env.put("HOME", tmp.resolve("home").toString());
        Process run = probe.start();
        String log = new String(run.getInputStream().readAllBytes());
        assertTrue(run.waitFor(120, TimeUnit.SECONDS) && run.exitValue() == 0, log);

        assertTrue(log.contains("engine=PyTorch version=2.7.1 sum=6.0"), log);
        assertTrue(log.contains("ids=["), log);
        assertFalse(log.contains("Extracting"), "DJL extracted a native library at run time:\n" + log);
        assertFalse(log.contains("Downloading"), log);
        Set<String> written = tree(tmp);
        written.removeAll(before);
        assertEquals(Set.of(), written, "the trainer wrote files at run time");
    }

    @Test
    void scriptRejectsAnUnknownFlavor(@TempDir Path tmp) throws Exception {
        assumeTrue(onPath("sh"));
        Process p = new ProcessBuilder("sh", SCRIPT.toString(), "rocm", tmp.toString(), tmp.resolve("out").toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), log);
        assertTrue(log.contains("flavor must be cpu or cu128"), log);
    }

    private static Set<String> tree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(root::relativize).map(Path::toString).collect(TreeSet::new, Set::add, Set::addAll);
        }
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, command)));
    }
}
