package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Stops a run whose self-labels have gone bad, measured on the held-out validation pairs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GuardSpec {
    @Min(0)
    @Max(1)
    @JsonPropertyDescription("Lowest judge_accuracy (share of data.validationPreferences the round's judge orders like the "
            + "gold labels, ties count half) at which a round may train on its self-labels, e.g. 0.6. A round below it does "
            + "not train; the run then ends Succeeded with condition reason JudgeAccuracyBelowThreshold, and "
            + "status.bestCheckpoint names the model to use. Unset: off. Needs data.validationPreferences.")
    public Double minJudgeAccuracy;

    @JsonPropertyDescription("Stop when self-labelling drifts: after a round whose trained model orders the validation pairs "
            + "significantly worse than an earlier round's (validation_policy_accuracy; one-sided two-proportion test at 5%), no later "
            + "round starts; the run ends Succeeded with condition reason ValidationDeclined, and status.bestCheckpoint names "
            + "the model to use. Default false. Needs data.validationPreferences.")
    public Boolean stopOnDecline;
}
