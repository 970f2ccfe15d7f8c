package io.selfalign.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A real kubectl binary for tests, when this machine has one. */
final class Kubectl {
    record Result(int exit, String output) {}

    private Kubectl() {}

    /** $KUBECTL, else the newest ~/.kubeapitest/k8s/<version>/kubectl, else kubectl on the PATH; null when none. */
    static Path find() throws IOException {
        String env = System.getenv("KUBECTL");
        if (env != null && Files.isExecutable(Path.of(env))) return Path.of(env);
        Path versions = Path.of(System.getProperty("user.home"), ".kubeapitest", "k8s");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> dirs = Files.list(versions)) {
                var found = dirs.map(d -> d.resolve("kubectl")).filter(Files::isExecutable)
                        .max(Comparator.comparing(Path::toString));
                if (found.isPresent()) return found.get();
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "kubectl"))) return Path.of(dir, "kubectl");
        }
        return null;
    }

    static Result run(Path kubectl, Path kubeconfig, String... args) throws IOException, InterruptedException {
        // No --request-timeout: kubectl would append it to discovery paths, which local mode stubs with kubectl's default.
        List<String> command = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "kubectl did not finish in 60 s: " + command);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
