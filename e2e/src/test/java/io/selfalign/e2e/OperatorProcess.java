package io.selfalign.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator (operator/target/quarkus-app, what the image runs) in its own JVM with its production
 * configuration, connected as the chart's ServiceAccount; the environment is the chart Deployment's.
 */
final class OperatorProcess implements AutoCloseable {
    static final Path JAR = Cluster.ROOT.resolve("operator/target/quarkus-app/quarkus-run.jar");

    final String name;
    final int port;
    final Path log;
    private final Process process;

    private OperatorProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** Starts an instance named {@code name} (its pod name: the leader election identity) that watches all namespaces. */
    static OperatorProcess start(String name, Path kubeconfig, boolean leaderElection) {
        return start(name, kubeconfig, leaderElection, "JOSDK_ALL_NAMESPACES");
    }

    /**
     * Starts an instance that watches only {@code namespace}: one whose rights or writes a test provokes must not
     * also pick up the runs other tests left behind in theirs.
     */
    static OperatorProcess startWatching(String namespace, String name, Path kubeconfig) {
        return start(name, kubeconfig, false, namespace);
    }

    private static OperatorProcess start(String name, Path kubeconfig, boolean leaderElection, String namespaces) {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path log = Cluster.WORK.resolve(name + ".log");
            ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-jar", JAR.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            var env = pb.environment();
            env.put("KUBECONFIG", kubeconfig.toString());
            env.put("HOSTNAME", name);
            env.put("POD_NAME", name);
            env.put("POD_NAMESPACE", Chart.NAMESPACE);
            env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
            env.put("QUARKUS_OPERATOR_SDK_NAMESPACES", namespaces);
            env.put("SELFALIGN_LEADER_ELECTION_ENABLED", Boolean.toString(leaderElection));
            env.put("SELFALIGN_TRAINER_IMAGE", "ghcr.io/selfalign/trainer:e2e");
            Process process = pb.start();
            // A test JVM that dies (a killed build) must not leave operators running.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            return new OperatorProcess(name, port, log, process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the health endpoint answers 200 ({@code ready}, or {@code live} for a follower that never starts). */
    OperatorProcess awaitHealth(String check) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/" + check)).build();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(IOException.class).until(() -> {
            if (!process.isAlive()) throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logText());
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        });
        return this;
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A crash (SIGKILL): no graceful shutdown, the Lease is not released. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
    }
}
