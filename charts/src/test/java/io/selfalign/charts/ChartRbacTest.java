package io.selfalign.charts;

import static io.selfalign.charts.Rbac.grants;
import static io.selfalign.charts.Rbac.verbs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The operator gets exactly the verbs its reconciler uses, cluster-wide or only in watched namespaces. */
class ChartRbacTest {

    /**
     * The calls the reconciler makes (operator/.../AlignmentRunReconciler, RunObservation, RunEvents, and
     * JOSDK's informers and finalizer handling) and nothing more, so a wider grant fails this test — and so
     * does a narrower one: a new client call in the operator must come with its verb here and in the chart.
     * Label-selected deletes (fabric8 {@code withLabel(..).delete()}) are the deletecollection verb.
     */
    static final Map<String, Set<String>> RECONCILER = new TreeMap<>(Map.of(
            "selfalign.io/alignmentruns", verbs("get", "list", "watch", "patch", "update"),
            "selfalign.io/alignmentruns/status", verbs("patch", "update"),
            "selfalign.io/alignmentruns/finalizers", verbs("update"),
            "/configmaps", verbs("create", "deletecollection"),
            "batch/jobs", verbs("get", "list", "watch", "create", "patch", "deletecollection"),
            "/pods", verbs("get", "list", "watch"),
            "/persistentvolumeclaims", verbs("create", "delete"),
            "/events", verbs("create")));

    static final Map<String, Set<String>> CRD_READER =
            Map.of("apiextensions.k8s.io/customresourcedefinitions[alignmentruns.selfalign.io]", verbs("get"));

    static final Map<String, Set<String>> LEADER_ELECTION =
            Map.of("coordination.k8s.io/leases", verbs("get", "create", "update", "patch"));

    @Test
    void clusterWideInstallBindsTheReconcilerRoleToTheServiceAccount() {
        RenderedChart chart = RenderedChart.render();

        ObjectNode role = chart.one("ClusterRole", "-reconciler");
        assertEquals(RECONCILER, grants(role));
        ObjectNode binding = chart.one("ClusterRoleBinding", "-reconciler");
        assertEquals(role.at("/metadata/name").asText(), binding.at("/roleRef/name").asText());
        assertBindsOperatorServiceAccount(chart, binding);
        assertTrue(chart.ofKind("RoleBinding").stream().noneMatch(b -> b.at("/metadata/name").asText().endsWith("-reconciler")));
    }

    @Test
    void namespaceScopedInstallGrantsTheSameVerbsOnlyInTheWatchedNamespaces() {
        RenderedChart chart = RenderedChart.render(Map.of("operator", Map.of("watchNamespaces", List.of("team-a", "team-b"))));

        List<ObjectNode> roles = chart.ofKind("Role").stream()
                .filter(r -> r.at("/metadata/name").asText().endsWith("-reconciler")).toList();
        assertEquals(List.of("team-a", "team-b"), roles.stream().map(r -> r.at("/metadata/namespace").asText()).sorted().toList());
        roles.forEach(r -> assertEquals(RECONCILER, grants(r)));
        List<ObjectNode> bindings = chart.ofKind("RoleBinding").stream()
                .filter(b -> b.at("/metadata/name").asText().endsWith("-reconciler")).toList();
        assertEquals(List.of("team-a", "team-b"), bindings.stream().map(b -> b.at("/metadata/namespace").asText()).sorted().toList());
        bindings.forEach(b -> {
            assertEquals("Role", b.at("/roleRef/kind").asText());
            assertBindsOperatorServiceAccount(chart, b);
        });

        // Cluster-wide, the operator may only read its own CRD; the other ClusterRoles are the editor/viewer
        // roles for people (bound by namespace admins), which touch nothing but AlignmentRuns.
        assertEquals(List.of(chart.one("ClusterRoleBinding", "-crd-reader")), chart.ofKind("ClusterRoleBinding"));
        for (ObjectNode clusterRole : chart.ofKind("ClusterRole")) {
            Map<String, Set<String>> grants = grants(clusterRole);
            assertTrue(grants.equals(CRD_READER) || grants.keySet().stream().allMatch(k -> k.startsWith("selfalign.io/")),
                    clusterRole.at("/metadata/name") + " grants " + grants);
        }
        assertEquals("team-a,team-b", operatorEnv(chart).get("QUARKUS_OPERATOR_SDK_NAMESPACES"));
    }

    @Test
    void theOperatorMayReadOnlyItsOwnCrd() {
        RenderedChart chart = RenderedChart.render();
        ObjectNode role = chart.one("ClusterRole", "-crd-reader");
        assertEquals(CRD_READER, grants(role));
        assertBindsOperatorServiceAccount(chart, chart.one("ClusterRoleBinding", "-crd-reader"));

        RenderedChart without = RenderedChart.render(Map.of("rbac", Map.of("crdReadAccess", false)));
        assertTrue(without.ofKind("ClusterRole").stream().noneMatch(r -> r.at("/metadata/name").asText().endsWith("-crd-reader")));
    }

    @Test
    void leaderElectionLeaseAccessStaysInTheReleaseNamespace() {
        RenderedChart chart = RenderedChart.render();

        ObjectNode role = chart.one("Role", "-leader-election");
        assertEquals(RenderedChart.NAMESPACE, role.at("/metadata/namespace").asText());
        assertEquals(LEADER_ELECTION, grants(role));
        ObjectNode binding = chart.one("RoleBinding", "-leader-election");
        assertEquals(RenderedChart.NAMESPACE, binding.at("/metadata/namespace").asText());
        assertBindsOperatorServiceAccount(chart, binding);

        RenderedChart without = RenderedChart.render(Map.of("operator", Map.of("leaderElection", Map.of("enabled", false))));
        assertTrue(without.ofKind("Role").isEmpty());
    }

    @Test
    void editorAndViewerRolesAggregateIntoTheBuiltInRoles() {
        RenderedChart chart = RenderedChart.render();

        ObjectNode editor = chart.one("ClusterRole", "-alignmentrun-editor");
        assertEquals(Map.of(
                "selfalign.io/alignmentruns", verbs("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"),
                "selfalign.io/alignmentruns/status", verbs("get")), grants(editor));
        assertEquals("true", editor.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-edit").asText());
        assertEquals("true", editor.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-admin").asText());

        ObjectNode viewer = chart.one("ClusterRole", "-alignmentrun-viewer");
        assertEquals(Map.of(
                "selfalign.io/alignmentruns", verbs("get", "list", "watch"),
                "selfalign.io/alignmentruns/status", verbs("get", "list", "watch")), grants(viewer));
        assertEquals("true", viewer.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-view").asText());

        RenderedChart plain = RenderedChart.render(Map.of("rbac", Map.of("aggregateToDefaultRoles", false)));
        assertFalse(plain.one("ClusterRole", "-alignmentrun-viewer").at("/metadata/labels").has("rbac.authorization.k8s.io/aggregate-to-view"));
    }

    @Test
    void noRuleUsesWildcards() {
        for (RenderedChart chart : List.of(RenderedChart.render(),
                RenderedChart.render(Map.of("operator", Map.of("watchNamespaces", List.of("ml")))))) {
            for (String kind : List.of("Role", "ClusterRole")) {
                for (ObjectNode role : chart.ofKind(kind)) {
                    grants(role).forEach((resource, verbs) -> {
                        assertFalse(resource.contains("*"), role.at("/metadata/name") + ": " + resource);
                        assertFalse(verbs.contains("*"), role.at("/metadata/name") + ": " + resource + " " + verbs);
                    });
                }
            }
        }
    }

    @Test
    void rbacCanBeLeftToTheClusterAdmin() {
        RenderedChart chart = RenderedChart.render(Map.of("rbac", Map.of("create", false)));
        for (String kind : List.of("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")) {
            assertTrue(chart.ofKind(kind).isEmpty(), kind + " rendered with rbac.create=false");
        }
    }

    private static void assertBindsOperatorServiceAccount(RenderedChart chart, JsonNode binding) {
        ObjectNode sa = chart.one("ServiceAccount", "");
        JsonNode subjects = binding.path("subjects");
        assertEquals(1, subjects.size(), binding.toString());
        assertEquals("ServiceAccount", subjects.get(0).path("kind").asText());
        assertEquals(sa.at("/metadata/name").asText(), subjects.get(0).path("name").asText());
        assertEquals(RenderedChart.NAMESPACE, subjects.get(0).path("namespace").asText());
        assertEquals(sa.at("/metadata/name").asText(),
                chart.one("Deployment", "").at("/spec/template/spec/serviceAccountName").asText());
    }

    static Map<String, String> operatorEnv(RenderedChart chart) {
        Map<String, String> env = new TreeMap<>();
        for (JsonNode e : chart.one("Deployment", "").at("/spec/template/spec/containers/0/env")) {
            if (e.has("value")) env.put(e.path("name").asText(), e.path("value").asText());
        }
        return env;
    }
}
