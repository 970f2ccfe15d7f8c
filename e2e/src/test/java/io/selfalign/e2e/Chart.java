package io.selfalign.e2e;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

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
        if (serviceAccount == null) serviceAccount = install(cluster, RELEASE, rule -> {});
        return serviceAccount;
    }

    /**
     * Installs the chart's RBAC as another release (its own ServiceAccount, roles and bindings, names prefixed by
     * {@code release}) with one verb taken out of the rule that grants it, e.g. {@code create} on {@code batch/jobs}:
     * an operator whose rights lack exactly that call. Returns that ServiceAccount.
     */
    static synchronized String installRbacWithout(Cluster cluster, String release, String apiGroup, String resource, String verb) {
        return install(cluster, release, rule -> {
            if (rule.getApiGroups().contains(apiGroup) && rule.getResources().contains(resource)) {
                if (rule.getResources().size() > 1) throw new IllegalStateException("the rule for " + resource + " also grants "
                        + rule.getResources() + ": taking a verb out would take it from those too");
                rule.setVerbs(rule.getVerbs().stream().filter(v -> !v.equals(verb)).toList());
            }
        });
    }

    private static String install(Cluster cluster, String release, Consumer<PolicyRule> editRule) {
        String manifest = new Helm(Cluster.ROOT.resolve("charts/selfalign")).template()
                .withName(release).withNamespace(NAMESPACE).withKubeVersion("1.37.2").call();
        List<HasMetadata> rbac = cluster.admin.load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8))).items()
                .stream().filter(o -> RBAC_KINDS.contains(o.getKind())).toList();
        if (cluster.admin.namespaces().withName(NAMESPACE).get() == null) {
            cluster.admin.resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
        }
        for (HasMetadata o : rbac) {
            if (o.getMetadata().getNamespace() == null && !o.getKind().startsWith("Cluster")) o.getMetadata().setNamespace(NAMESPACE);
            if (o instanceof ClusterRole r) r.getRules().forEach(editRule);
            if (o instanceof Role r) r.getRules().forEach(editRule);
            cluster.admin.resource(o).create();
        }
        return rbac.stream().filter(o -> o.getKind().equals("ServiceAccount")).findFirst().orElseThrow().getMetadata().getName();
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
        Path file = Cluster.WORK.resolve(serviceAccount + ".kubeconfig");
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
