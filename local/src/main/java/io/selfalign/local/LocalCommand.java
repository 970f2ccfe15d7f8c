package io.selfalign.local;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.config.OperatorSettings;
import io.selfalign.testkit.kubelet.Kubelet;
import io.selfalign.operator.metrics.RunMetrics;
import io.selfalign.operator.reconcile.AlignmentRunReconciler;
import io.selfalign.operator.round.RoundSpecs;
import io.selfalign.operator.status.ConditionsBuilder;
import io.selfalign.operator.validate.SpecValidator;
import io.selfalign.api.v1alpha1.RunPhase;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Local mode: the real operator against an in-process Kubernetes API, with a kubelet that runs each round
 * as a local trainer process, until the run succeeds or fails.
 */
@Command(name = "local", sortOptions = false, usageHelpWidth = 110,
        description = {
                "Runs one AlignmentRun on this machine, no cluster needed: the same operator drives it against an",
                "in-process Kubernetes API, and each round's Job runs as a local trainer process. Paths in the run",
                "are relative to the workspace folder, which stands for /workspace.",
                "",
                "While it runs: a status line per change; 'export KUBECONFIG=...' (printed; it holds the API's CA and token,",
                "mode 0600) lets kubectl see the run (kubectl get arun; not -w, which the in-process API cannot stream) and change",
                "it; the API accepts no other run, and Jobs only from local mode's own operator.",
                "Operator metrics at http://127.0.0.1:<metrics-port>/q/metrics.",
                "Ctrl-C stops the trainer and exits; the same command again resumes: finished rounds are found in",
                "the workspace (runs/<namespace>/<run>/iter-<k>/result.json) and reported again, not recomputed;",
                "a trainer an earlier, killed local mode left running on the workspace is stopped first.",
                "",
                "One local mode at a time per workspace: a second one is refused (the lock .selfalign-local/local.lock",
                "names the first's pid; the lock ends with its process, however it ends).",
                "",
                "Exit status: 0 when the run succeeds, 1 when it fails, 2 on a usage error or an invalid spec",
                "(the message names the field), 3 when another local mode runs on the workspace."},
        footer = {"", "Example:", "  ./selfalign local -f examples/local/keysort-spa.yaml"})
public final class LocalCommand implements Callable<Integer> {
    /** On a run, asks local mode to create the tiny KeySort model and data first when the model is missing. */
    public static final String BOOTSTRAP_ANNOTATION = "selfalign.io/bootstrap";
    /** Another local mode runs on the workspace. */
    static final int EXIT_WORKSPACE_IN_USE = 3;
    /** The operator's settings in local mode: no image (rounds are local processes), the open trainer policy. */
    static final OperatorSettings SETTINGS = new OperatorSettings("local-process", Optional.empty(), "nvidia.com/gpu");

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** The command line running this command: usage errors go to its error stream. */
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "YAML file with one AlignmentRun.")
    Path file;

    @Option(names = "--workspace", paramLabel = "DIR", defaultValue = "./.selfalign/workspace",
            description = "Local folder standing for /workspace (default: ${DEFAULT-VALUE}).")
    Path workspace;

    @Option(names = "--trainer-jar", paramLabel = "PATH", defaultValue = "trainer-image/target/selfalign-trainer.jar",
            description = "The trainer's executable jar (default: ${DEFAULT-VALUE}).")
    Path trainerJar;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9180",
            description = "Port of the operator's Prometheus metrics on 127.0.0.1, a free one when it is taken (printed); "
                    + "0 turns them off (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port of the in-process Kubernetes API (HTTPS) on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(names = "--max-trainers", paramLabel = "N", defaultValue = "0",
            description = "How many trainer processes run at once (a sharded round has one per shard); the others wait. "
                    + "0: as many as this machine's cores and available memory allow, 1 GiB each (default: ${DEFAULT-VALUE}).")
    int maxTrainers;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        Quiet.logs();
        checkPort("--metrics-port", metricsPort);
        checkPort("--api-port", apiPort);
        if (maxTrainers < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--max-trainers: " + maxTrainers + " is not a number of trainers; give 1 or more, or 0 (derived from this machine)");
        }
        AlignmentRun run = readRun(file);
        Path ws = workspace.toAbsolutePath().normalize();
        Path state = ws.resolve(".selfalign-local");
        if (!Files.isRegularFile(trainerJar)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--trainer-jar: " + trainerJar + " does not exist (build it: ./mvnw -B -DskipTests package)");
        }
        // The spec is checked before anything touches the workspace: a wrong run must not bootstrap anything.
        List<String> problems = new SpecValidator(new RoundSpecs(SETTINGS.gpuResource()), SETTINGS.trainerPolicy()).validate(run);
        if (!problems.isEmpty()) {
            out.println("Invalid spec in " + file + ": " + String.join("; ", problems));
            return 2;
        }
        // Local mode's own files stay inside the workspace: none is written through a symbolic link (LocalFiles).
        LocalFiles.createDirectories(ws, state);
        LocalFiles.requireNoLink(ws, state.resolve("pods"));
        WorkspaceLock lock;
        try {
            lock = WorkspaceLock.acquire(state);
        } catch (WorkspaceLock.Held held) {
            out.println("Refused: " + held.getMessage());
            return EXIT_WORKSPACE_IN_USE;
        }
        try (lock) {
            lock.takenOver().ifPresent(pid -> out.println("Workspace lock " + state.resolve(WorkspaceLock.FILE)
                    + ": taken over from " + pid + ", which has ended"));
            return runLocked(run, ws, state);
        }
    }

    /** The run, with the workspace locked for this local mode. */
    private int runLocked(AlignmentRun run, Path ws, Path state) throws Exception {
        // Before anything starts: refused links end the command at once, not after the bootstrap.
        LocalFiles.requireNoLink(ws, uidFile(run, state));
        LocalFiles.requireNoLink(ws, state.resolve("kubeconfig"));
        for (String leftover : TrainerProcessRunner.reapLeftovers(state.resolve("pods"))) {
            out.println("Stopped a trainer an earlier local mode left running: " + leftover);
        }
        bootstrap(run, ws, state.resolve("bootstrap"));

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (LocalCluster cluster = cluster(run);
             HTTPServer metrics = metricsPort == 0 ? null : metricsServer(metricsPort, registry)) {
            KubernetesClient client = cluster.client();
            // Created first, before any other client activity, so the API server gives it the same uid on every rerun.
            AlignmentRun applied = client.resource(run).create();
            checkSameUid(applied, ws, state);
            Path kubeconfig = state.resolve("kubeconfig");
            cluster.writeKubeconfig(kubeconfig, run.getMetadata().getNamespace());
            out.println("Kubernetes API (in-process, TLS, for this run only; its CA and token are in the kubeconfig, mode 0600): "
                    + cluster.url() + "   kubectl: export KUBECONFIG=" + kubeconfig);
            if (metrics != null) {
                out.println("Operator metrics: http://127.0.0.1:" + metrics.getPort() + "/q/metrics"
                        + (metrics.getPort() == metricsPort ? "" : " (port " + metricsPort + " is taken)"));
            }

            Operator operator = operator(client, registry);
            TrainerProcessRunner runner = new TrainerProcessRunner(client, ws, state.resolve("pods"),
                    TrainerProcessRunner.trainerJar(trainerJar.toAbsolutePath()), maxTrainers > 0 ? maxTrainers : TrainerSlots.forThisMachine());
            Kubelet kubelet = new Kubelet(client, runner);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread stopOnCtrlC = new Thread(() -> {
                out.println("Stopping: the trainer is killed; run the same command again to resume.");
                runner.stopAll();
                stopped.countDown();
            });
            Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
            operator.start();
            out.println("Run " + run.getMetadata().getNamespace() + "/" + run.getMetadata().getName() + " applied; workspace " + ws
                    + "; trainer logs under " + state.resolve("pods") + "; at most " + runner.maxTrainers() + " trainers at once");
            try {
                return watch(client, applied, stopped);
            } finally {
                kubelet.close();
                operator.stop();
                runner.stopAll();
                if (stopped.getCount() > 0) Runtime.getRuntime().removeShutdownHook(stopOnCtrlC);
            }
        }
    }

    /** A port option's value is a TCP port or 0 (picocli has no range of its own). */
    private void checkPort(String option, int port) {
        if (port < 0 || port > 65535) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    option + ": " + port + " is not a port; give 1-65535, or 0 (" + ("--api-port".equals(option)
                            ? "a free port" : "no metrics") + ")");
        }
    }

    /** The in-process API on --api-port; a taken port is a usage error naming the option, not a server's stack trace. */
    private LocalCluster cluster(AlignmentRun run) throws IOException {
        try {
            return new LocalCluster(apiPort, run);
        } catch (BindException taken) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--api-port: port " + apiPort + " on 127.0.0.1 is in use (another local mode?); give another port, or 0 for a free one");
        }
    }

    private int watch(KubernetesClient client, AlignmentRun applied, CountDownLatch stopped) throws InterruptedException {
        StatusTable table = new StatusTable();
        out.println(StatusTable.HEADER);
        while (stopped.getCount() > 0) {
            AlignmentRun run = client.resource(applied).get();
            String line = table.update(run);
            if (line != null) out.println(line);
            RunPhase phase = run.getStatus() == null ? null : run.getStatus().phase;
            if (RunPhase.SUCCEEDED.equals(phase)) {
                RunSummary.succeeded(run.getStatus(), workspace).forEach(out::println);
                return 0;
            }
            // On a cluster a SpecValid=False run waits for a corrected spec; here the file is the spec, so stop.
            var invalid = run.getStatus() == null || run.getStatus().conditions == null ? Optional.<Condition>empty()
                    : run.getStatus().conditions.stream()
                            .filter(c -> ConditionsBuilder.SPEC_VALID.equals(c.getType()) && "False".equals(c.getStatus())).findFirst();
            if (invalid.isPresent()) {
                out.println("Invalid spec in " + file + ": " + invalid.get().getMessage());
                return 2;
            }
            if (RunPhase.FAILED.equals(phase)) {
                run.getStatus().conditions.stream().filter(c -> ConditionsBuilder.FAILED.equals(c.getType())).findFirst()
                        .ifPresent(c -> out.println("Failed (" + c.getReason() + "): " + c.getMessage()));
                return 1;
            }
            stopped.await(1, java.util.concurrent.TimeUnit.SECONDS);
        }
        return 130;
    }

    /** Serves {@code registry} on 127.0.0.1 at the operator's cluster path {@code /q/metrics} (and the exporter's own paths). */
    /**
     * Serves {@code registry} on 127.0.0.1; when {@code port} is taken (a second local run on the machine) on a free
     * port instead: metrics are an aid, not a reason to refuse the run. {@link HTTPServer#getPort()} tells which.
     */
    static HTTPServer metricsServer(int port, PrometheusMeterRegistry registry) throws IOException {
        try {
            return metricsServerOn(port, registry);
        } catch (BindException taken) {
            return metricsServerOn(0, registry);
        }
    }

    private static HTTPServer metricsServerOn(int port, PrometheusMeterRegistry registry) throws IOException {
        return HTTPServer.builder().inetAddress(InetAddress.getLoopbackAddress()).port(port)
                .registry(registry.getPrometheusRegistry())
                .defaultHandler(new MetricsHandler(registry.getPrometheusRegistry()))
                .buildAndStart();
    }

    /**
     * The operator of local mode (not started): the production reconciler against {@code client}, without
     * server-side apply (the in-process API server lacks it), with its metrics in {@code registry}.
     */
    static Operator operator(KubernetesClient client, MeterRegistry registry) {
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry)));
        operator.register(new AlignmentRunReconciler(SETTINGS, new RunMetrics(registry)));
        return operator;
    }

    /** Reads the run ({@link RunFile}); a missing namespace means "default". */
    static AlignmentRun readRun(Path file) throws IOException {
        return RunFile.read(file);
    }

    /**
     * A run's uid is part of every round's spec hash. The in-process API server derives uids from a
     * counter, so a run created first in a fresh process gets the same uid each time and the trainer
     * recognises its finished rounds. Should that ever change, say so rather than recompute silently.
     */
    private void checkSameUid(AlignmentRun run, Path ws, Path state) throws IOException {
        Path file = uidFile(run, state);
        String uid = run.getMetadata().getUid();
        if (Files.exists(file) && !Files.readString(file).equals(uid)) {
            out.println("Warning: the run's uid differs from the last time (" + Files.readString(file) + " -> " + uid
                    + "): finished rounds will be recomputed.");
        }
        LocalFiles.writeString(ws, file, uid);
    }

    private static Path uidFile(AlignmentRun run, Path state) {
        return state.resolve(run.getMetadata().getNamespace() + "." + run.getMetadata().getName() + ".uid");
    }

    /**
     * With annotation selfalign.io/bootstrap: keysort and no model yet, the trainer prepares the KeySort task
     * at its quick sizes (slices of 128 prompts): the full sizes take far longer than a first try should. Files
     * the workspace already has stay as they are ({@link Bootstrap}).
     */
    private void bootstrap(AlignmentRun run, Path ws, Path staging) throws IOException, InterruptedException {
        var annotations = run.getMetadata().getAnnotations();
        String kind = annotations == null ? null : annotations.get(BOOTSTRAP_ANNOTATION);
        if (kind == null) return;
        if (!"keysort".equals(kind)) {
            throw new IllegalArgumentException(BOOTSTRAP_ANNOTATION + ": unknown bootstrap '" + kind + "', expected keysort");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        new Bootstrap(target -> List.of(java, "-Dai.djl.offline=true", "-jar", trainerJar.toAbsolutePath().toString(),
                "keysort", "prepare", "--quick", "--workspace", target.toString()), out)
                .ensureModel(ws, run.getSpec().model.path, staging);
    }
}
