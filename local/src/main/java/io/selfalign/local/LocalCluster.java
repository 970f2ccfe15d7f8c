package io.selfalign.local;

import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.selfalign.api.v1alpha1.AlignmentRun;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;

/**
 * An in-process Kubernetes API: Fabric8's mock server in CRUD mode with the AlignmentRun CRD registered
 * (so the status subresource behaves), the discovery documents kubectl asks for, and Table answers with the
 * CRD's printer columns ({@link TableDispatcher}), so that {@code kubectl get arun} works against it through the
 * kubeconfig {@link #writeKubeconfig} writes. Only holders of that kubeconfig get in, and only for the one run
 * local mode was started for ({@link AccessGuard}).
 */
public final class LocalCluster implements AutoCloseable {
    /** The CRD, copied from crds/ into the operator jar at build time. */
    public static final String CRD_RESOURCE = "/crds/alignmentruns.selfalign.io-v1.yml";
    private static final String[] VERBS = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final KubernetesMockServer server;
    private final LocalTls tls;
    private final TlsFront front;
    private final KubernetesClient client;
    /** Local mode's own credential: the operator, its kubelet and this command. */
    private final String operatorToken = AccessGuard.newToken();
    /** The kubeconfig's credential, the user's: reads, and changes to the one run only ({@link AccessGuard}). */
    private final String userToken = AccessGuard.newToken();

    /**
     * @param port 0 picks a free port
     * @param only the one AlignmentRun this API accepts (by namespace and name)
     * @throws java.net.BindException when {@code port} is taken
     */
    public LocalCluster(int port, AlignmentRun only) throws IOException {
        // One expectations map shared by the server and the dispatcher: discovery stubs answer first, CRUD the rest.
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        CustomResourceDefinition crd = crd();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new AccessGuard(new TableDispatcher(new KubernetesMixedDispatcher(responses), crd), operatorToken, userToken,
                        only.getMetadata().getNamespace(), only.getMetadata().getName()), false);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        server.init(loopback, 0);
        try {
            tls = LocalTls.generate(loopback);
            front = new TlsFront(tls.serverContext(), loopback, port, server.getPort());
        } catch (IOException | RuntimeException e) {
            server.destroy();
            throw e;
        }
        discovery();
        client = new KubernetesClientBuilder().withConfig(config(operatorToken)).build();
        client.resource(crd).create();
    }

    /** A client configuration for this API with {@code token}, trusting its CA only. */
    Config config(String token) {
        return new ConfigBuilder(Config.empty()).withMasterUrl(url()).withCaCertData(tls.caData()).withTrustCerts(false)
                .withOauthToken(token).withHttp2Disable(true).build();
    }

    private static CustomResourceDefinition crd() throws IOException {
        try (InputStream in = LocalCluster.class.getResourceAsStream(CRD_RESOURCE)) {
            if (in == null) throw new IllegalStateException(CRD_RESOURCE + " is missing from the classpath");
            return new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
        }
    }

    public KubernetesClient client() {
        return client;
    }

    /** The API server's URL, e.g. https://127.0.0.1:43123. */
    public String url() {
        return "https://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + front.port();
    }

    /** The kubeconfig's bearer token: the user's, limited by {@link AccessGuard}. */
    String userToken() {
        return userToken;
    }

    /** The CA of the API's certificate, PEM. */
    String caPem() {
        return tls.caPem();
    }

    /**
     * Writes a kubeconfig for kubectl pointing at this API server, with its CA, {@code namespace} as the default and
     * the user's token; readable by its owner only (mode 0600, from its creation on: never briefly world-readable).
     */
    public void writeKubeconfig(Path file, String namespace) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        // CREATE_NEW: a link put in its place since is not followed; created 0600, never briefly readable by others.
        try (var out = Files.newByteChannel(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            out.write(java.nio.ByteBuffer.wrap("""
                apiVersion: v1
                kind: Config
                clusters:
                - name: selfalign-local
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                contexts:
                - name: selfalign-local
                  context:
                    cluster: selfalign-local
                    user: selfalign-local
                    namespace: %s
                current-context: selfalign-local
                users:
                - name: selfalign-local
                  user:
                    token: %s
                """.formatted(url(), tls.caData(), namespace, userToken).getBytes(StandardCharsets.UTF_8)));
        }
    }

    private void discovery() {
        VersionInfo version = new VersionInfo.Builder().withMajor("1").withMinor("31").withGitVersion("v1.31.0-selfalign-local")
                .withPlatform("linux/amd64").build();
        stub("/version", version);
        stub("/api", new APIVersionsBuilder().withVersions("v1").build());
        stub("/apis", new APIGroupListBuilder().withGroups(
                group("batch", "v1"), group(AlignmentRun.GROUP, AlignmentRun.VERSION), group("apiextensions.k8s.io", "v1")).build());
        stub("/api/v1", resources("v1",
                resource("pods", "Pod", true), resource("configmaps", "ConfigMap", true), resource("events", "Event", true),
                resource("persistentvolumeclaims", "PersistentVolumeClaim", true), resource("namespaces", "Namespace", false)));
        stub("/apis/batch/v1", resources("batch/v1", resource("jobs", "Job", true)));
        APIResource runs = resource("alignmentruns", "AlignmentRun", true);
        runs.setShortNames(List.of("arun"));
        runs.setSingularName("alignmentrun");
        stub("/apis/" + AlignmentRun.GROUP + "/" + AlignmentRun.VERSION, resources(AlignmentRun.GROUP + "/" + AlignmentRun.VERSION, runs));
        stub("/apis/apiextensions.k8s.io/v1", resources("apiextensions.k8s.io/v1",
                resource("customresourcedefinitions", "CustomResourceDefinition", false)));
    }

    private void stub(String path, Object body) {
        // kubectl appends ?timeout=32s to discovery requests.
        server.expect().get().withPath(path).andReturn(200, body).always();
        server.expect().get().withPath(path + "?timeout=32s").andReturn(200, body).always();
    }

    private static io.fabric8.kubernetes.api.model.APIGroup group(String name, String version) {
        var gv = new GroupVersionForDiscoveryBuilder().withGroupVersion(name + "/" + version).withVersion(version).build();
        return new APIGroupBuilder().withName(name).withVersions(gv).withPreferredVersion(gv).build();
    }

    private static io.fabric8.kubernetes.api.model.APIResourceList resources(String groupVersion, APIResource... resources) {
        return new APIResourceListBuilder().withGroupVersion(groupVersion).withResources(resources).build();
    }

    private static APIResource resource(String plural, String kind, boolean namespaced) {
        return new APIResourceBuilder().withName(plural).withKind(kind).withNamespaced(namespaced)
                .withSingularName("").withVerbs(VERBS).build();
    }

    @Override
    public void close() {
        client.close();
        front.close();
        server.destroy();
    }
}
