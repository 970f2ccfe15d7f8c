package io.selfalign.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.round.RoundSpecs;
import io.selfalign.operator.validate.SpecValidator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The CRD as shipped (crds/) on a real API server: accepted, and its schema and CEL rules enforced there. */
@ExtendWith(Cluster.Extension.class)
class CrdE2ETest {
    static final String NS = "e2e-crd";
    static Cluster cluster;
    static final SpecValidator VALIDATOR = new SpecValidator(new RoundSpecs("nvidia.com/gpu"));

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
        cluster.namespace(NS);
    }

    static AlignmentRun run(String name) {
        return Runs.run(NS, name, 1);
    }

    /** The server's answer to creating {@code run}: the 422 message. */
    static String rejection(AlignmentRun run) {
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> cluster.admin.resource(run).create());
        assertEquals(422, e.getCode(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theShippedCrdIsEstablishedWithItsStatusSubresourceAndPrinterColumns() {
        CustomResourceDefinition crd = cluster.admin.apiextensions().v1().customResourceDefinitions().withName("alignmentruns.selfalign.io").get();
        var version = crd.getSpec().getVersions().get(0);
        assertEquals("v1alpha1", version.getName());
        assertTrue(version.getSubresources().getStatus() != null, "status subresource");
        assertEquals(List.of("arun"), crd.getStatus().getAcceptedNames().getShortNames());
        AlignmentRun valid = cluster.admin.resource(run("valid")).create();
        assertEquals(List.of(), VALIDATOR.validate(valid));
    }

    @Test
    void aWorkspaceWithBothAClaimAndANewClaimIsRejectedByCelAndByTheValidator() {
        AlignmentRun run = run("both-claims");
        run.getSpec().workspace.storageClassName = "fast";
        run.getSpec().workspace.size = "10Gi";
        String server = rejection(run);
        assertTrue(server.contains("set either workspace.claimName or workspace.storageClassName and workspace.size"), server);
        assertEquals(List.of("spec.workspace: set either claimName (an existing claim) or storageClassName and size (a new claim)"),
                VALIDATOR.validate(run));
    }

    @Test
    void tooManyIterationsAreRejectedByTheSchemaAndByTheValidator() {
        AlignmentRun run = run("too-long");
        run.getSpec().iterations = 51;
        String server = rejection(run);
        assertTrue(server.contains("spec.iterations: Invalid value: 51: spec.iterations in body should be less than or equal to 50"), server);
        List<String> validator = VALIDATOR.validate(run);
        assertTrue(validator.stream().anyMatch(p -> p.startsWith("spec.iterations")), validator.toString());
    }

    @Test
    void theModelIsImmutableOnTheServer() {
        cluster.admin.resource(run("fixed-model")).create();
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> cluster.admin.resources(AlignmentRun.class)
                .inNamespace(NS).withName("fixed-model")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"model\":{\"path\":\"models/other\"}}}"));
        assertEquals(422, e.getCode(), e.getMessage());
        assertTrue(e.getMessage().contains("model is immutable"), e.getMessage());
    }
}
