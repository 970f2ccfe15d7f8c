package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator Deployment: restricted pod security, probes, leader election, trainer defaults. */
class ChartOperatorDeploymentTest {

    static final Map<String, Object> NON_DEFAULT = Map.of(
            "operator", Map.of("replicas", 2, "watchNamespaces", List.of("ml"), "image", Map.of(
                    "repository", "registry.example.com/selfalign-operator", "tag", "1.2.3", "pullPolicy", "Always")),
            "trainer", Map.of("image", Map.of("repository", "registry.example.com/selfalign-trainer", "tag", "1.2.3-cpu"),
                    "gpuResourceName", "amd.com/gpu", "nodeSelector", Map.of("pool", "gpu"),
                    "javaToolOptions", "-XX:MaxRAMPercentage=40"),
            "metrics", Map.of("serviceMonitor", Map.of("enabled", true), "podMonitor", Map.of("enabled", true)),
            "grafana", Map.of("dashboard", Map.of("enabled", true)));

    @Test
    void lintsCleanInStrictMode() {
        // helm-java's lint takes no values file; render(NON_DEFAULT) in the other tests covers the optional templates.
        LintResult lint = new Helm(Repo.CHART).lint().strict().call();
        assertFalse(lint.isFailed(), lint.getMessages().toString());
    }

    @Test
    void podSecurityIsRestricted() {
        for (RenderedChart chart : List.of(RenderedChart.render(), RenderedChart.render(NON_DEFAULT))) {
            JsonNode pod = chart.one("Deployment", "").at("/spec/template/spec");
            assertEquals(List.of(), PodSecurity.restrictedViolations(pod));
            for (JsonNode c : pod.path("containers")) {
                assertEquals(true, c.at("/securityContext/readOnlyRootFilesystem").asBoolean());
                // The read-only root needs a writable /tmp for Quarkus/Vert.x.
                assertTrue(java.util.stream.StreamSupport.stream(c.path("volumeMounts").spliterator(), false)
                        .anyMatch(m -> m.path("mountPath").asText().equals("/tmp")));
            }
        }
    }

    @Test
    void theRestrictedCheckCatchesWhatAdmissionWouldReject() {
        JsonNode pod = RenderedChart.render().one("Deployment", "").at("/spec/template/spec");
        ObjectNode broken = (ObjectNode) pod.deepCopy();
        ((ObjectNode) broken.at("/containers/0/securityContext")).put("allowPrivilegeEscalation", true);
        broken.putArray("volumes").addObject().put("name", "host").putObject("hostPath").put("path", "/");
        ((ObjectNode) broken.at("/containers/0/securityContext")).remove("runAsNonRoot");
        ((ObjectNode) broken.path("securityContext")).remove("runAsNonRoot");
        List<String> violations = PodSecurity.restrictedViolations(broken);
        assertEquals(3, violations.size(), violations.toString());
    }

    @Test
    void probesUseQuarkusHealthEndpoints() {
        JsonNode c = RenderedChart.render().one("Deployment", "").at("/spec/template/spec/containers/0");
        assertEquals("/q/health/live", c.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/q/health/ready", c.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/q/health/started", c.at("/startupProbe/httpGet/path").asText());
        assertEquals(8080, c.at("/ports/0/containerPort").asInt());
        assertTrue(c.at("/resources/requests").has("cpu") && c.at("/resources/requests").has("memory"));
        assertTrue(c.at("/resources/limits").has("memory"));
    }

    @Test
    void leaderElectionIsOnAndRequiredForMoreThanOneReplica() {
        Map<String, String> env = ChartRbacTest.operatorEnv(RenderedChart.render());
        assertEquals("true", env.get("SELFALIGN_LEADER_ELECTION_ENABLED"));
        assertEquals("selfalign-operator-lease", env.get("SELFALIGN_LEADER_ELECTION_LEASE_NAME"));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RenderedChart.render(Map.of(
                "operator", Map.of("replicas", 2, "leaderElection", Map.of("enabled", false)))));
        assertTrue(e.getMessage().contains("leaderElection"), e.getMessage());
    }

    @Test
    void trainerDefaultsReachTheOperator() {
        Map<String, String> defaults = ChartRbacTest.operatorEnv(RenderedChart.render());
        assertEquals("ghcr.io/selfalign/trainer:" + chartAppVersion(), defaults.get("SELFALIGN_TRAINER_IMAGE"));
        assertEquals("nvidia.com/gpu", defaults.get("SELFALIGN_TRAINER_GPU_RESOURCE"));
        assertEquals("JOSDK_ALL_NAMESPACES", defaults.get("QUARKUS_OPERATOR_SDK_NAMESPACES"));
        assertTrue(defaults.get("JAVA_OPTS_APPEND").contains("-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));

        RenderedChart custom = RenderedChart.render(NON_DEFAULT);
        Map<String, String> env = ChartRbacTest.operatorEnv(custom);
        assertEquals("registry.example.com/selfalign-trainer:1.2.3-cpu", env.get("SELFALIGN_TRAINER_IMAGE"));
        assertEquals("amd.com/gpu", env.get("SELFALIGN_TRAINER_GPU_RESOURCE"));
        assertEquals("-XX:MaxRAMPercentage=40", env.get("SELFALIGN_TRAINER_JAVA_TOOL_OPTIONS"));
        assertFalse(defaults.containsKey("SELFALIGN_TRAINER_JAVA_TOOL_OPTIONS"), "unset keeps the image's JVM options");
        ObjectNode deployment = custom.one("Deployment", "");
        assertEquals("registry.example.com/selfalign-operator:1.2.3", deployment.at("/spec/template/spec/containers/0/image").asText());
        assertEquals(2, deployment.at("/spec/replicas").asInt());
    }

    @Test
    void trainerPolicyIsOpenByDefaultAndReachesTheOperator() {
        Map<String, String> defaults = ChartRbacTest.operatorEnv(RenderedChart.render());
        assertFalse(defaults.containsKey("SELFALIGN_TRAINER_ALLOWED_IMAGE_PREFIXES"), "unset allows any image");
        assertEquals("false", defaults.get("SELFALIGN_TRAINER_FORBID_SERVICE_ACCOUNT_OVERRIDE"));

        Map<String, String> env = ChartRbacTest.operatorEnv(RenderedChart.render(Map.of("trainer", Map.of("policy", Map.of(
                "allowedImagePrefixes", List.of("registry.corp/ml/", "ghcr.io/selfalign/"), "forbidServiceAccountOverride", true)))));
        assertEquals("registry.corp/ml/,ghcr.io/selfalign/", env.get("SELFALIGN_TRAINER_ALLOWED_IMAGE_PREFIXES"));
        assertEquals("true", env.get("SELFALIGN_TRAINER_FORBID_SERVICE_ACCOUNT_OVERRIDE"));
    }

    static String chartAppVersion() {
        try {
            return RenderedChart.YAML.readTree(Repo.CHART.resolve("Chart.yaml").toFile()).path("appVersion").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
