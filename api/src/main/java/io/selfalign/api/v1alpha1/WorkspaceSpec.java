package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** The volume mounted at /workspace in every round: models, data and the run's outputs live on it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.claimName) != (has(self.storageClassName) || has(self.size))",
        message = "set either workspace.claimName or workspace.storageClassName and workspace.size")
@ValidationRule(value = "has(self.storageClassName) == has(self.size)",
        message = "workspace.storageClassName and workspace.size go together")
public class WorkspaceSpec {
    @JsonPropertyDescription("Name of an existing PersistentVolumeClaim in the run's namespace that holds the model and "
            + "data. The operator never deletes it.")
    public String claimName;

    @JsonPropertyDescription("Storage class of a new claim the operator creates (with size) and deletes with the run. "
            + "Its model and data must then be written into it by other means before the first round.")
    public String storageClassName;

    @JsonPropertyDescription("Size of the claim the operator creates, e.g. 200Gi.")
    public String size;
}
