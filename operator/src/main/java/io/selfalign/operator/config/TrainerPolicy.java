package io.selfalign.operator.config;

import io.selfalign.api.v1alpha1.TrainerSpec;
import io.selfalign.operator.validate.UserValue;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run may choose about its trainer pod. Whoever may edit AlignmentRuns in a namespace chooses the
 * trainer's image and service account there, so a cluster admin can narrow both (docs/install.md,
 * "Security model"). Open by default.
 *
 * @param allowedImagePrefixes          prefixes a run's spec.trainer.image must start with; empty allows any
 * @param forbidServiceAccountOverride  true rejects runs that set spec.trainer.serviceAccountName
 */
public record TrainerPolicy(List<String> allowedImagePrefixes, boolean forbidServiceAccountOverride) {
    public static final TrainerPolicy OPEN = new TrainerPolicy(List.of(), false);
    public static final String ALLOWED_IMAGE_PREFIXES = "selfalign.trainer.allowed-image-prefixes";
    public static final String FORBID_SERVICE_ACCOUNT_OVERRIDE = "selfalign.trainer.forbid-service-account-override";

    public TrainerPolicy {
        allowedImagePrefixes = allowedImagePrefixes.stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
    }

    /** What the run's trainer section asks that this policy does not allow, each naming its field. */
    public List<String> problems(TrainerSpec trainer) {
        List<String> p = new ArrayList<>();
        if (trainer.image != null && !allowedImagePrefixes.isEmpty() && allowedImagePrefixes.stream().noneMatch(trainer.image::startsWith)) {
            p.add("spec.trainer.image: the operator allows only images starting with " + String.join(", ", allowedImagePrefixes)
                    + " (" + ALLOWED_IMAGE_PREFIXES + "), got '" + UserValue.shown(trainer.image) + "'");
        }
        if (trainer.serviceAccountName != null && forbidServiceAccountOverride) {
            p.add("spec.trainer.serviceAccountName: the operator forbids choosing the trainer's service account ("
                    + FORBID_SERVICE_ACCOUNT_OVERRIDE + "); remove the field");
        }
        return p;
    }
}
