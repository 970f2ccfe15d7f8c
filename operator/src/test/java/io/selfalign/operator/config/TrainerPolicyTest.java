package io.selfalign.operator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.round.RoundSpecs;
import io.selfalign.operator.testing.OperatorHarness;
import io.selfalign.operator.validate.SpecValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin's restriction of what AlignmentRun editors choose about trainer pods. */
class TrainerPolicyTest {
    private static final TrainerPolicy STRICT = new TrainerPolicy(List.of("registry.corp/ml/", " ghcr.io/selfalign/ "), true);

    private static List<String> problems(TrainerPolicy policy, String image, String serviceAccount) {
        AlignmentRun run = OperatorHarness.run("policy", 1);
        run.getSpec().trainer.image = image;
        run.getSpec().trainer.serviceAccountName = serviceAccount;
        return new SpecValidator(new RoundSpecs("nvidia.com/gpu"), policy).validate(run);
    }

    @Test
    void openByDefault() {
        assertEquals(List.of(), problems(TrainerPolicy.OPEN, "docker.io/anyone/miner:latest", "cluster-admin-sa"));
    }

    @Test
    void imagesOutsideTheAllowedPrefixesAreRejectedNamingTheField() {
        assertEquals(List.of(), problems(STRICT, "registry.corp/ml/trainer:1.0", null));
        assertEquals(List.of(), problems(STRICT, "ghcr.io/selfalign/trainer:0.1.0", null));
        assertEquals(List.of(), problems(STRICT, null, null), "the operator's own default image is the admin's choice");
        List<String> p = problems(STRICT, "registry.corp/mlx/trainer:1.0", null);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("spec.trainer.image: the operator allows only images starting with registry.corp/ml/, "
                + "ghcr.io/selfalign/ (selfalign.trainer.allowed-image-prefixes), got 'registry.corp/mlx/trainer:1.0'"), p.get(0));
    }

    @Test
    void serviceAccountOverridesCanBeForbidden() {
        assertEquals(List.of("spec.trainer.serviceAccountName: the operator forbids choosing the trainer's service account "
                + "(selfalign.trainer.forbid-service-account-override); remove the field"), problems(STRICT, null, "builder"));
        assertEquals(List.of(), problems(new TrainerPolicy(List.of(), false), null, "builder"));
    }
}
