package io.selfalign.operator.app;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.OperatorHarness;
import io.selfalign.operator.testing.TestKubelet;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The operator as deployed: Quarkus wiring, the generated CRD, health and metrics endpoints. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorApplicationTest {
    static final Path GENERATED_CRD = Path.of("target", "kubernetes", "alignmentruns.selfalign.io-v1.yml");

    @Inject
    KubernetesClient client;

    /**
     * The shipped CRD is the generated one with its printer columns in the declaration order of AlignmentRun's
     * {@code @AdditionalPrinterColumn}s (the generator sorts them by jsonPath, and kubectl shows them as listed).
     */
    @Test
    void checkedInCrdMatchesTheGeneratedOne() throws Exception {
        KubernetesSerialization yaml = client.getKubernetesSerialization();
        CustomResourceDefinition expected = yaml.unmarshal(Files.readString(GENERATED_CRD), CustomResourceDefinition.class);
        List<String> declared = Arrays.stream(AlignmentRun.class.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name).toList();
        for (CustomResourceDefinitionVersion v : expected.getSpec().getVersions()) {
            v.getAdditionalPrinterColumns().sort(Comparator.comparing(c -> declared.indexOf(c.getName())));
        }
        CustomResourceDefinition shipped = yaml.unmarshal(Files.readString(OperatorHarness.CRD), CustomResourceDefinition.class);
        if (!expected.equals(shipped)) {
            Path regenerated = GENERATED_CRD.resolveSibling("alignmentruns.selfalign.io-v1.shipped.yml");
            Files.writeString(regenerated, yaml.asYaml(expected));
            throw new AssertionError("crds/alignmentruns.selfalign.io-v1.yml is out of date with the API types. Regenerate it: "
                    + "./mvnw -B -pl operator -am test -Dtest=OperatorApplicationTest -Dsurefire.failIfNoSpecifiedTests=false; "
                    + "cp operator/" + regenerated + " crds/alignmentruns.selfalign.io-v1.yml; cp crds/*.yml charts/selfalign/crds/");
        }
        assertEquals(declared, shipped.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
                .map(CustomResourceColumnDefinition::getName).toList());
        // kubectl get arun shows which round's model to use.
        assertTrue(shipped.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
                .anyMatch(c -> "Best".equals(c.getName()) && ".status.bestIteration".equals(c.getJsonPath())));
    }

    @Test
    void runCompletesAndIsVisibleInHealthAndMetrics() {
        try (TestKubelet kubelet = new TestKubelet(client)) {
            client.resource(OperatorHarness.run("wired", 1)).create();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                AlignmentRun r = client.resources(AlignmentRun.class).inNamespace(OperatorHarness.NS).withName("wired").get();
                return r.getStatus() != null && RunPhase.SUCCEEDED.equals(r.getStatus().phase);
            });
        }
        given().get("/q/health/ready").then().statusCode(200).body(containsString("UP"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("selfalign_run_phase{namespace=\"team-a\",phase=\"Succeeded\",run=\"wired\"} 1.0"))
                .body(containsString("selfalign_round_metric{metric=\"accuracy\",namespace=\"team-a\",run=\"wired\"} 0.7"))
                .body(containsString("selfalign_round_duration_seconds_count{namespace=\"team-a\",run=\"wired\"} 2"))
                .body(containsString("operator_sdk_"));
    }
}
