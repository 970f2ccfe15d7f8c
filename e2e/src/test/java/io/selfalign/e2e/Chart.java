package io.selfalign.e2e;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The Helm chart's RBAC as installed: its ServiceAccount, ClusterRoles, Roles and bindings, rendered by helm's own
 * engine (helm-java, in-process) and applied unchanged, so that the operator runs with exactly those rights.
 */
final class Chart {
    static final String NAMESPACE = "selfalign-system";
    static final String RELEASE = "sa";
    private static final Set<String> RBAC_KINDS = Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");
    private static String serviceAccount;

    private Chart() {}

    /** Installs the chart's RBAC once; returns the operator's ServiceAccount. */
    static synchronized String installRbac(Cluster cluster) {
        if (serviceAccount != null) return serviceAccount;
        String manifest = new Helm(Cluster.ROOT.resolve("charts/selfalign")).template()
                .withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion("1.37.2").call();
        List<HasMetadata> rbac = cluster.admin.load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8))).items()
                .stream().filter(o -> RBAC_KINDS.contains(o.getKind())).toList();
        cluster.admin.resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
        for (HasMetadata o : rbac) {
            if (o.getMetadata().getNamespace() == null && !o.getKind().startsWith("Cluster")) o.getMetadata().setNamespace(NAMESPACE);
            cluster.admin.resource(o).create();
        }
        serviceAccount = rbac.stream().filter(o -> o.getKind().equals("ServiceAccount")).findFirst().orElseThrow().getMetadata().getName();
        return serviceAccount;
    }

    /** The username the API server sees for the operator's ServiceAccount token. */
    static String user(String serviceAccount) {
        return "system:serviceaccount:" + NAMESPACE + ":" + serviceAccount;
    }

    /**
     * A kubeconfig with a token of the ServiceAccount (TokenRequest, as a projected token in a pod) over TLS: kubectl
     * sends no bearer token to a plain-http server.
     */
    static Path operatorKubeconfig(Cluster cluster, String serviceAccount) {
        TokenRequest token = cluster.admin.serviceAccounts().inNamespace(NAMESPACE).withName(serviceAccount)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build());
        Path file = Cluster.WORK.resolve("operator.kubeconfig");
        try {
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                      - name: e2e
                        cluster: {server: "%s", certificate-authority: "%s"}
                    users:
                      - name: operator
                        user: {token: "%s"}
                    contexts:
                      - name: e2e
                        context: {cluster: e2e, user: operator, namespace: %s}
                    current-context: e2e
                    """.formatted(cluster.url, cluster.caFile, token.getStatus().getToken(), NAMESPACE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
