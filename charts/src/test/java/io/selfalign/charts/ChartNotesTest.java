package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** NOTES.txt renders (helm template skips it) and tells the installer what was installed and what to do next. */
class ChartNotesTest {

    @Test
    void notesDescribeAClusterWideInstall() throws Exception {
        String notes = notes(Map.of());
        assertTrue(notes.contains("reconciles AlignmentRuns in every namespace"), notes);
        assertTrue(notes.contains("kubectl -n " + RenderedChart.NAMESPACE + " rollout status deployment/sa-selfalign"), notes);
        assertTrue(notes.contains("kubectl wait -n <namespace> --for=condition=Complete"), notes);
        assertTrue(notes.contains("--clusterrole=sa-selfalign-alignmentrun-editor"), notes);
        assertTrue(notes.contains(":8080/q/metrics"), notes);
        assertFalse(notes.contains("<no value>"), notes);
    }

    @Test
    void notesNameTheWatchedNamespacesAndMonitors() throws Exception {
        String notes = notes(Map.of("operator", Map.of("watchNamespaces", List.of("team-a", "team-b")),
                "metrics", Map.of("serviceMonitor", Map.of("enabled", true), "podMonitor", Map.of("enabled", true)),
                "grafana", Map.of("dashboard", Map.of("enabled", true))));
        assertTrue(notes.contains("reconciles AlignmentRuns in team-a, team-b"), notes);
        assertTrue(notes.contains("ServiceMonitor sa-selfalign-operator") && notes.contains("PodMonitor sa-selfalign-trainer"), notes);
        assertTrue(notes.contains("ConfigMap sa-selfalign-dashboard"), notes);
        assertFalse(notes.contains("<no value>"), notes);
    }

    private static String notes(Map<String, ?> values) throws Exception {
        Path file = Files.createTempFile("values", ".yaml");
        try {
            RenderedChart.YAML.writeValue(file.toFile(), values);
            Release release = new Helm(Repo.CHART).install()
                    .withName(RenderedChart.RELEASE).withNamespace(RenderedChart.NAMESPACE)
                    .withKubeVersion(RenderedChart.KUBE_VERSION).withValuesFile(file)
                    .clientOnly().dryRun().call();
            return release.getOutput();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
