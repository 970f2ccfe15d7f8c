package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** What the user asks for. Paths are relative to the root of the workspace volume. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.training) || !has(self.training.refinement) || "
        + "!has(self.training.refinement.extrapolation) || size(self.training.refinement.extrapolation) <= self.iterations",
        message = "training.refinement.extrapolation has more entries than iterations")
@ValidationRule(value = "!has(self.guard) || !has(self.guard.minJudgeAccuracy) || has(self.data.validationPreferences)",
        message = "guard.minJudgeAccuracy needs data.validationPreferences")
@ValidationRule(value = "!has(self.guard) || !has(self.guard.stopOnDecline) || !self.guard.stopOnDecline || has(self.data.validationPreferences)",
        message = "guard.stopOnDecline needs data.validationPreferences")
@ValidationRule(value = "self.iterations >= 1 || has(self.data.seedPreferences)",
        message = "iterations: 0 runs the seed round alone, which needs data.seedPreferences")
@ValidationRule(value = "size(self.data.promptsPerIteration) == 1 || size(self.data.promptsPerIteration) >= self.iterations",
        message = "data.promptsPerIteration needs one number, or one per iteration")
public class AlignmentRunSpec {
    @Required
    @ValidationRule(value = "self == oldSelf", message = "model is immutable")
    @JsonPropertyDescription("The base (SFT) model.")
    public ModelSpec model;

    @Required
    @JsonPropertyDescription("Seed preferences and unlabelled prompts.")
    public DataSpec data;

    @Default("3")
    @Min(0)
    @Max(50)
    // A null in the spec means the default (the API server prunes it so; the in-process API of local mode and tests does not).
    @JsonSetter(nulls = Nulls.SKIP)
    @JsonPropertyDescription("Self-labelling iterations after the seed round (iteration 0). 0 runs the seed round alone "
            + "(DPO on data.seedPreferences, no self-labelling). Raising it on a Succeeded run continues the run: "
            + "its finished rounds are kept, not computed again. Lowering it below a round that has started is refused.")
    public int iterations = 3;

    @Default("42")
    @JsonPropertyDescription("Random seed of sampling, shuffling and initialisation; round k uses seed + k.")
    public long seed = 42;

    @Default("{}")
    @JsonSetter(nulls = Nulls.SKIP)
    @JsonPropertyDescription("Response sampling.")
    public GenerationSpec generation = new GenerationSpec();

    @Default("{}")
    @JsonSetter(nulls = Nulls.SKIP)
    @JsonPropertyDescription("The judge that labels each iteration's samples: by default reference-free, the sampling "
            + "policy's mean log-prob of each response, the best and the worst of a prompt's generation.samplesPerPrompt "
            + "samples (default 4) becoming its pair (reference: initial or previous gives SPA's implicit reward instead). "
            + "See docs/judge.md.")
    public JudgeSpec judge = new JudgeSpec();

    @Default("{}")
    @JsonSetter(nulls = Nulls.SKIP)
    @JsonPropertyDescription("Early stop when the judge's labels go bad (off by default).")
    public GuardSpec guard = new GuardSpec();

    @Default("{}")
    @JsonSetter(nulls = Nulls.SKIP)
    @JsonPropertyDescription("Preference training.")
    public TrainingSpec training = new TrainingSpec();

    @Default("{}")
    @JsonSetter(nulls = Nulls.SKIP)
    @JsonPropertyDescription("The trainer pod.")
    public TrainerSpec trainer = new TrainerSpec();

    @Required
    @ValidationRule(value = "self == oldSelf", message = "workspace is immutable")
    @JsonPropertyDescription("The workspace volume, mounted at /workspace in every round.")
    public WorkspaceSpec workspace;

    @Default("2")
    @Min(0)
    @Max(20)
    @JsonPropertyDescription("Retries of a round after a retryable failure (a non-zero exit other than 78). Exit 78 "
            + "(invalid round input) fails the run at once; preemption and node drains are not counted.")
    public int backoffLimit = 2;

    @Pattern("^([0-9]+h)?([0-9]+m)?([0-9]+s)?$")
    @JsonPropertyDescription("Wall-clock limit of one round including retries, e.g. 6h or 90m; the run fails when a "
            + "round exceeds it. Unset: no limit.")
    public String roundTimeout;

    @Default("false")
    @JsonPropertyDescription("true stops starting rounds and suspends the running round's Job (its pod is deleted); "
            + "false resumes where the run stopped.")
    public boolean suspend = false;
}
