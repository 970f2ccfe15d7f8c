package io.selfalign.local;

import io.selfalign.api.round.RoundContract;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.selfalign.api.round.RoundResult;
import io.selfalign.testkit.kubelet.PodEnd;
import io.selfalign.testkit.kubelet.PodRunner;
import io.selfalign.operator.round.Rounds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a round's pod as a local process: the ConfigMap's {@code round.json} is written unchanged to a
 * local file, the trainer command (with the container's args and env) runs with the local workspace folder standing for {@code /workspace},
 * and its exit code and termination log become the pod's outcome. Each running trainer's pid is kept in its
 * pod folder ({@value #PID_FILE}), so that a later local mode on the same workspace can stop trainers an earlier
 * one left behind when it was killed ({@link #reapLeftovers}).
 */
public final class TrainerProcessRunner implements PodRunner {
    /** Builds the trainer command line for a round. */
    @FunctionalInterface
    public interface Command {
        List<String> of(Path roundJson, Path workspaceRoot, Path terminationLog);
    }

    /** A running trainer's pid, in its pod folder. */
    public static final String PID_FILE = "trainer.pid";

    /**
     * The trainer jar's {@code round} command, offline. The trainer exits when local mode does (even on kill -9,
     * which runs no shutdown hook) and serves its metrics on 127.0.0.1 only: on this machine nothing else should
     * reach them.
     *
     * @param jvmOptions extra options for the trainer's JVM, e.g. {@code -Dai.djl.pytorch.num_threads=1}
     */
    public static Command trainerJar(Path jar, String... jvmOptions) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return (spec, workspace, terminationLog) -> {
            List<String> command = new java.util.ArrayList<>(List.of(java, "-Dai.djl.offline=true"));
            command.addAll(List.of(jvmOptions));
            command.addAll(List.of("-jar", jar.toString(), "round", "--spec", spec.toString(),
                    "--workspace-root", workspace.toString(), "--termination-log", terminationLog.toString(),
                    "--exit-with-parent", "--metrics-address", "127.0.0.1"));
            return command;
        };
    }

    private static final Logger LOG = LoggerFactory.getLogger(TrainerProcessRunner.class);

    private final KubernetesClient client;
    private final Path workspace;
    private final Path podsDir;
    private final Command command;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final TrainerSlots slots;

    /**
     * As many trainers at once as this machine's cores and available memory allow ({@link TrainerSlots#forThisMachine}).
     *
     * @param workspace the local folder that stands for /workspace
     * @param podsDir   where each pod's round.json, termination log and output log are kept
     */
    public TrainerProcessRunner(KubernetesClient client, Path workspace, Path podsDir, Command command) {
        this(client, workspace, podsDir, command, TrainerSlots.forThisMachine());
    }

    /** @param maxTrainers how many trainer processes run at once; the other pods wait for one to end */
    public TrainerProcessRunner(KubernetesClient client, Path workspace, Path podsDir, Command command, int maxTrainers) {
        this.client = client;
        this.workspace = workspace.toAbsolutePath().normalize();
        this.podsDir = podsDir.toAbsolutePath().normalize();
        this.command = command;
        this.slots = new TrainerSlots(maxTrainers);
    }

    /** How many trainer processes run at once. */
    public int maxTrainers() {
        return slots.limit();
    }

    /** The folder of a pod's local files: round.json, termination-log, trainer.log. */
    public Path podDir(Pod pod) {
        return podsDir.resolve(pod.getMetadata().getNamespace()).resolve(pod.getMetadata().getName());
    }

    /** Starts the pod's trainer when fewer than {@link #maxTrainers} run, else queues it (logged) until one ends. */
    @Override
    public CompletableFuture<PodEnd> start(Job job, Pod pod, int attempt) {
        CompletableFuture<PodEnd> end = new CompletableFuture<>();
        int ahead = slots.startOrQueue(key(pod), () -> launch(job, pod, end));
        if (ahead >= 0) {
            LOG.info("pod {} queued: {} trainers run at once on this machine (--max-trainers){}", pod.getMetadata().getName(),
                    slots.limit(), ahead == 0 ? "" : "; " + ahead + " queued before it");
        }
        return end;
    }

    /** Runs the trainer holding one of {@link #slots}, released when it ends; completes {@code end} with the outcome. */
    private void launch(Job job, Pod pod, CompletableFuture<PodEnd> end) {
        try {
            process(job, pod).whenComplete((outcome, error) -> {
                slots.release();
                if (error != null) end.completeExceptionally(error);
                else end.complete(outcome);
            });
        } catch (RuntimeException e) {
            slots.release();
            end.completeExceptionally(e);
        }
    }

    private CompletableFuture<PodEnd> process(Job job, Pod pod) {
        Path dir = podDir(pod);
        Path spec = dir.resolve(RoundContract.ROUND_FILE);
        Path terminationLog = dir.resolve("termination-log");
        Path log = dir.resolve("trainer.log");
        Process process;
        try {
            // Pod folders are local mode's own: nothing in them is written through a symbolic link (LocalFiles).
            LocalFiles.createDirectories(podsDir, dir);
            LocalFiles.writeString(podsDir, spec, roundJson(job));
            LocalFiles.requireNoLink(podsDir, log);
            Files.deleteIfExists(terminationLog);
            // The pod's container as the kubelet made it: the Job's args after the trainer command (a sharded round's
            // '--stage generate'), and its env (with an Indexed Job's JOB_COMPLETION_INDEX).
            Container container = pod.getSpec().getContainers().get(0);
            List<String> commandLine = new ArrayList<>(command.of(spec, workspace, terminationLog));
            if (container.getArgs() != null) commandLine.addAll(container.getArgs());
            ProcessBuilder pb = new ProcessBuilder(commandLine)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            for (EnvVar e : container.getEnv()) {
                if (e.getValue() != null) pb.environment().put(e.getName(), e.getValue());
            }
            process = pb.start();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        String key = key(pod);
        processes.put(key, process);
        Path pidFile = dir.resolve(PID_FILE);
        try {
            // The trainer's pid and this local mode's: a later local mode leaves a trainer alone while we still run it.
            LocalFiles.writeString(podsDir, pidFile, process.pid() + " " + ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            // Only a later cleanup depends on it; the round itself can run.
            LOG.warn("cannot write {}: {}", pidFile, e.toString());
        }
        LOG.info("pod {} started: {} (log {})", pod.getMetadata().getName(), process.info().commandLine().orElse(""), log);
        return process.onExit().thenApply(p -> {
            processes.remove(key);
            deletePidFile(pidFile);
            String message = terminationMessage(terminationLog, log, p.exitValue() != 0);
            return p.exitValue() == 0 ? new PodEnd.Succeed(message) : new PodEnd.Fail(p.exitValue(), message);
        });
    }

    @Override
    public void stop(Pod pod) {
        if (slots.cancel(key(pod))) return; // queued, never started
        Process p = processes.remove(key(pod));
        if (p != null) destroy(p);
    }

    /**
     * Stops the trainers that an earlier local mode on this workspace started and left running (it was killed
     * with -9, or its machine's session ended): each pid file names one. A process is stopped only while its
     * command line still holds that pod's round.json path, so a pid the system has since given to another
     * program is left alone; and a trainer still run by a live local mode (another run on the same workspace:
     * its parent is the local mode that wrote the file) is left alone too. Call before starting any trainer.
     *
     * @param podsDir the pods folder of the runner that will run this workspace's trainers
     * @return one line per trainer stopped
     */
    public static List<String> reapLeftovers(Path podsDir) throws IOException {
        if (!Files.isDirectory(podsDir)) return List.of();
        List<Path> pidFiles;
        try (Stream<Path> files = Files.find(podsDir, 3, (f, a) -> a.isRegularFile() && f.getFileName().toString().equals(PID_FILE))) {
            pidFiles = files.sorted().toList();
        }
        List<String> stopped = new ArrayList<>();
        for (Path pidFile : pidFiles) {
            String roundJson = pidFile.resolveSibling(RoundContract.ROUND_FILE).toString();
            long[] pids = readPids(pidFile);
            Optional<ProcessHandle> trainer = pids.length != 2 ? Optional.empty() : ProcessHandle.of(pids[0])
                    .filter(p -> p.info().commandLine().map(c -> c.contains(roundJson)).orElse(false));
            if (trainer.isPresent() && trainer.get().parent().map(ProcessHandle::pid).orElse(-1L) == pids[1]) {
                continue; // its local mode is alive and still runs it
            }
            if (trainer.isPresent()) {
                destroy(trainer.get());
                stopped.add("pid " + trainer.get().pid() + " (" + podsDir.relativize(pidFile.getParent()) + ")");
            }
            deletePidFile(pidFile);
        }
        return stopped;
    }

    /** The trainer's pid and its local mode's, as written; anything else when the file is not what we wrote. */
    private static long[] readPids(Path pidFile) {
        try {
            String[] fields = Files.readString(pidFile).strip().split(" ");
            long[] pids = new long[fields.length];
            for (int i = 0; i < fields.length; i++) pids[i] = Long.parseLong(fields[i]);
            return pids;
        } catch (IOException | NumberFormatException e) {
            return new long[0];
        }
    }

    private static void deletePidFile(Path pidFile) {
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", pidFile, e.toString());
        }
    }

    /** Stops every running trainer (Ctrl-C). */
    public void stopAll() {
        // The queue first: each stopped trainer frees a slot, which would start the next.
        slots.cancelAll();
        processes.values().forEach(TrainerProcessRunner::destroy);
        processes.clear();
    }

    private static void destroy(Process p) {
        destroy(p.toHandle());
    }

    /** SIGTERM to the process and its descendants, SIGKILL after 10 s (a stopped process gets only the latter). */
    private static void destroy(ProcessHandle p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
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
