package io.selfalign.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.KubeAPITestException;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real etcd + kube-apiserver for the whole test run (io.fabric8:kube-api-test, offline: the binaries come
 * from tools/kube-apiserver.sh), with the shipped CRD installed and every API call audited. Test classes use it
 * through {@code @ExtendWith(Cluster.Extension.class)}; without the binaries they are skipped.
 */
final class Cluster implements ExtensionContext.Store.CloseableResource {
    static final Path ROOT = Path.of(System.getProperty("selfalign.root", "..")).toAbsolutePath().normalize();
    static final Path WORK = Path.of(System.getProperty("selfalign.e2eDir", "target/e2e")).toAbsolutePath();
    static final Path CRD = ROOT.resolve("crds/alignmentruns.selfalign.io-v1.yml");
    /** Where tools/kube-apiserver.sh puts its binaries (the layout kube-api-test reads). */
    static final Path BINARIES = Path.of(Optional.ofNullable(System.getenv("KUBE_API_TEST_DIR"))
            .orElse(System.getProperty("user.home") + "/.kubeapitest"));

    private static Cluster shared;
    /** How long kube-api-test waits for the API server to answer (a cold start on a loaded 2-core machine is slow). */
    private static final int STARTUP_MILLIS = 180_000;

    final KubeAPIServer server;
    final KubernetesClient admin;
    /** The cluster-admin kubeconfig (client certificate over TLS), for kubectl. */
    final Path adminKubeconfig;
    final String url;
    final String caFile;
    final Path auditLog = WORK.resolve("audit.log");

    private Cluster() throws IOException {
        Files.createDirectories(WORK);
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Files.deleteIfExists(auditLog);
        Path policy = WORK.resolve("audit-policy.yaml");
        Files.writeString(policy, """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                omitStages: [RequestReceived]
                rules:
                  - level: Metadata
                """);
        server = started(policy);
        String yaml = server.getKubeConfigYaml();
        adminKubeconfig = WORK.resolve("admin.kubeconfig");
        Files.writeString(adminKubeconfig, yaml);
        Config config = Config.fromKubeconfig(yaml);
        url = config.getMasterUrl();
        caFile = config.getCaCertFile();
        admin = new KubernetesClientBuilder().withConfig(config).build();
        try (InputStream in = Files.newInputStream(CRD)) {
            admin.resource(admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
        }
        admin.apiextensions().v1().customResourceDefinitions().withName("alignmentruns.selfalign.io")
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus()
                        .getConditions().stream().anyMatch(k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
                        60, TimeUnit.SECONDS);
    }

    static Cluster shared() {
        return shared;
    }

    /** A fresh namespace (a bare API server never finishes deleting one: no namespace controller). */
    String namespace(String name) {
        admin.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    /** The directory with all three binaries, newest version first, as kube-api-test picks it. */
    static Optional<Path> binaries() {
        try (Stream<Path> dirs = Files.list(BINARIES.resolve("k8s"))) {
            return dirs.filter(d -> Stream.of("etcd", "kube-apiserver", "kubectl").allMatch(b -> Files.isExecutable(d.resolve(b))))
                    .max(Path::compareTo);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The server, started; a second try with fresh ports and data directories if the first did not come up. Seen once in
     * a run whose code had passed twice: etcd exited right after its start ("etcd process stopped unexpectedly") and
     * every test class failed behind it. A likely cause: kube-api-test finds a free port for etcd by binding and
     * releasing it, so another process can take it first; new ports make losing that race twice unlikely.
     */
    private KubeAPIServer started(Path policy) {
        for (int attempt = 1; ; attempt++) {
            KubeAPIServer s = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                    .withTestDir(BINARIES.toString())
                    // The environment variable for this throws a ClassCastException in 7.4.0.
                    .withOfflineMode(true)
                    // Never touch the developer's ~/.kube/config.
                    .withUpdateKubeConfig(false)
                    .withStartupTimeout(STARTUP_MILLIS)
                    .withApiServerFlag("--audit-policy-file", policy.toString())
                    .withApiServerFlag("--audit-log-path", auditLog.toString())
                    .build());
            try {
                s.start();
                return s;
            } catch (KubeAPITestException e) {
                try {
                    s.stop();
                } catch (RuntimeException stopping) {
                    e.addSuppressed(stopping);
                }
                if (attempt == 2) throw e;
                System.err.println("e2e: the API server did not start (" + e.getMessage() + "); trying once more with new ports");
            }
        }
    }

    @Override
    public void close() {
        admin.close();
        server.stop();
    }

    /**
     * Starts the shared cluster once per test run. Without the binaries every test is skipped (reported as skipped,
     * with the reason naming the script), so that a machine with only a JDK still passes the build.
     */
    static final class Extension implements ExecutionCondition, BeforeAllCallback {
        private static final String MISSING = "no etcd, kube-apiserver and kubectl under " + BINARIES.resolve("k8s")
                + ": run tools/kube-apiserver.sh to build them (docs/e2e.md); end-to-end tests skipped";
        private static boolean told;

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (binaries().isPresent()) return ConditionEvaluationResult.enabled("binaries found");
            synchronized (Extension.class) {
                if (!told) System.err.println("[e2e] " + MISSING);
                told = true;
            }
            return ConditionEvaluationResult.disabled(MISSING);
        }

        @Override
        public void beforeAll(ExtensionContext context) {
            synchronized (Cluster.class) {
                if (shared == null) {
                    shared = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(Cluster.class, k -> {
                        try {
                            return new Cluster();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }, Cluster.class);
                }
            }
        }
    }
}
