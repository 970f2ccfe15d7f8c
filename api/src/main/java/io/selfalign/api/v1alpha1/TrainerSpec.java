package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** The pod that runs each round. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainerSpec {
    @JsonPropertyDescription("Trainer image. Default: the operator's selfalign.trainer.image setting "
            + "(ghcr.io/selfalign/trainer:<operator version>).")
    public String image;

    @Default("IfNotPresent")
    @Pattern("^(Always|IfNotPresent|Never)$")
    @JsonPropertyDescription("Image pull policy of the trainer container.")
    public String imagePullPolicy = "IfNotPresent";

    @JsonPropertyDescription("Resources of the trainer container. Default: a limit of one nvidia.com/gpu. A request or "
            + "limit of nvidia.com/gpu makes the trainer run on the GPU, otherwise on the CPU.")
    public ResourceRequirements resources;

    @JsonPropertyDescription("Node labels the trainer pod must run on, e.g. a GPU node pool.")
    public Map<String, String> nodeSelector;

    @JsonPropertyDescription("Tolerations of the trainer pod, e.g. for tainted GPU nodes.")
    public List<Toleration> tolerations;

    @JsonPropertyDescription("Priority class of the trainer pod.")
    public String priorityClassName;

    @JsonPropertyDescription("Service account of the trainer pod (it needs no Kubernetes API access).")
    public String serviceAccountName;

    @JsonPropertyDescription("Extra environment variables of the trainer container.")
    public List<EnvVar> env;
}
