package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer image's native layout, without Docker: runs trainer-image/docker/layout-natives.sh (as
 * the image build does) on the real DJL jars, then starts a JVM with the image's environment and
 * classpath — pytorch-native-cpu removed — and checks that PyTorch and the tokenizers load from the
 * laid-out files and that nothing is extracted or written at run time (read-only root filesystem).
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
        Set<String> before = tree(tmp);

        // The image's environment (trainer-image/Dockerfile, target cpu), and an unwritable HOME.
        String classpath = lib + File.separator + "*" + File.pathSeparator + Path.of(NativeLayoutProbe.class
                .getProtectionDomain().getCodeSource().getLocation().toURI());
        ProcessBuilder probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-cp", classpath, NativeLayoutProbe.class.getName(), TOKENIZER.toString())
                .redirectErrorStream(true);
        Map<String, String> env = probe.environment();
        env.keySet().removeIf(k -> k.startsWith("DJL") || k.startsWith("PYTORCH") || k.equals("ENGINE_CACHE_DIR"));
        env.put("HOME", tmp.resolve("no-home").toString());
        env.put("DJL_OFFLINE", "true");
        env.put("DJL_CACHE_DIR", out.resolve("djl-cache").toString());
        env.put("PYTORCH_LIBRARY_PATH", out.resolve("libtorch/lib").toString());
        env.put("PYTORCH_VERSION", "2.7.1");
        env.put("PYTORCH_FLAVOR", "cpu");
        Process run = probe.start();
        String log = new String(run.getInputStream().readAllBytes());
        assertTrue(run.waitFor(120, TimeUnit.SECONDS) && run.exitValue() == 0, log);

        assertTrue(log.contains("engine=PyTorch version=2.7.1 sum=6.0"), log);
        assertTrue(log.contains("ids=["), log);
        assertFalse(log.contains("Extracting"), "DJL extracted a native library at run time:\n" + log);
        assertFalse(log.contains("Downloading"), log);
        assertEquals(before, tree(tmp), "the trainer wrote files at run time");
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
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        return dirs.stream().anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }
}
