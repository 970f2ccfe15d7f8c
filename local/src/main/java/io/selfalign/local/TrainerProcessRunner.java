package io.selfalign.local;

import io.selfalign.api.round.RoundContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.selfalign.api.round.RoundResult;
import io.selfalign.operator.kubelet.PodEnd;
import io.selfalign.operator.kubelet.PodRunner;
import io.selfalign.operator.round.Rounds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a round's pod as a local process: the ConfigMap's {@code round.json} is written unchanged to a
 * local file, the trainer command runs with the local workspace folder standing for {@code /workspace},
 * and its exit code and termination log become the pod's outcome.
 */
public final class TrainerProcessRunner implements PodRunner {
    /** Builds the trainer command line for a round. */
    @FunctionalInterface
    public interface Command {
        List<String> of(Path roundJson, Path workspaceRoot, Path terminationLog);
    }

    /**
     * The trainer jar's {@code round} command, offline.
     *
     * @param jvmOptions extra options for the trainer's JVM, e.g. {@code -Dai.djl.pytorch.num_threads=1}
     */
    public static Command trainerJar(Path jar, String... jvmOptions) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return (spec, workspace, terminationLog) -> {
            List<String> command = new java.util.ArrayList<>(List.of(java, "-Dai.djl.offline=true"));
            command.addAll(List.of(jvmOptions));
            command.addAll(List.of("-jar", jar.toString(), "round", "--spec", spec.toString(),
                    "--workspace-root", workspace.toString(), "--termination-log", terminationLog.toString()));
            return command;
        };
    }

    private static final Logger LOG = LoggerFactory.getLogger(TrainerProcessRunner.class);

    private final KubernetesClient client;
    private final Path workspace;
    private final Path podsDir;
    private final Command command;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();

    /**
     * @param workspace the local folder that stands for /workspace
     * @param podsDir   where each pod's round.json, termination log and output log are kept
     */
    public TrainerProcessRunner(KubernetesClient client, Path workspace, Path podsDir, Command command) {
        this.client = client;
        this.workspace = workspace.toAbsolutePath().normalize();
        this.podsDir = podsDir.toAbsolutePath().normalize();
        this.command = command;
    }

    /** The folder of a pod's local files: round.json, termination-log, trainer.log. */
    public Path podDir(Pod pod) {
        return podsDir.resolve(pod.getMetadata().getNamespace()).resolve(pod.getMetadata().getName());
    }

    @Override
    public CompletableFuture<PodEnd> start(Job job, Pod pod, int attempt) {
        Path dir = podDir(pod);
        Path spec = dir.resolve(RoundContract.ROUND_FILE);
        Path terminationLog = dir.resolve("termination-log");
        Path log = dir.resolve("trainer.log");
        Process process;
        try {
            Files.createDirectories(dir);
            Files.writeString(spec, roundJson(job), StandardCharsets.UTF_8);
            Files.deleteIfExists(terminationLog);
            ProcessBuilder pb = new ProcessBuilder(command.of(spec, workspace, terminationLog))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            for (EnvVar e : job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
                if (e.getValue() != null) pb.environment().put(e.getName(), e.getValue());
            }
            process = pb.start();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        String key = key(pod);
        processes.put(key, process);
        LOG.info("pod {} started: {} (log {})", pod.getMetadata().getName(), process.info().commandLine().orElse(""), log);
        return process.onExit().thenApply(p -> {
            processes.remove(key);
            String message = terminationMessage(terminationLog, log, p.exitValue() != 0);
            return p.exitValue() == 0 ? new PodEnd.Succeed(message) : new PodEnd.Fail(p.exitValue(), message);
        });
    }

    @Override
    public void stop(Pod pod) {
        Process p = processes.remove(key(pod));
        if (p != null) destroy(p);
    }

    /** Stops every running trainer (Ctrl-C). */
    public void stopAll() {
        processes.values().forEach(TrainerProcessRunner::destroy);
        processes.clear();
    }

    private static void destroy(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String roundJson(Job job) {
        String name = job.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow().getConfigMap().getName();
        ConfigMap cm = client.configMaps().inNamespace(job.getMetadata().getNamespace()).withName(name).get();
        if (cm == null) throw new IllegalStateException("ConfigMap " + name + " of Job " + job.getMetadata().getName() + " is missing");
        return cm.getData().get(RoundContract.ROUND_FILE);
    }

    /**
     * The termination log, capped at 4 KiB like Kubernetes; when a failed trainer wrote none, the last 80
     * lines of its output (terminationMessagePolicy FallbackToLogsOnError).
     */
    private static String terminationMessage(Path terminationLog, Path log, boolean failed) {
        try {
            String message = Files.exists(terminationLog) ? Files.readString(terminationLog, StandardCharsets.UTF_8) : "";
            if (failed && message.isBlank() && Files.exists(log)) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                message = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
            }
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            int max = RoundResult.MAX_TERMINATION_BYTES;
            return bytes.length <= max ? message : new String(bytes, bytes.length - max, max, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
}
