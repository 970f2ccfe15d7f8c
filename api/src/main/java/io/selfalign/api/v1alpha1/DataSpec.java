package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The run's data files on the workspace volume. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DataSpec {
    @ValidationRule(value = "self == oldSelf", message = "data.seedPreferences is immutable")
    @JsonPropertyDescription("JSONL of gold-labelled seed pairs, one {\"prompt\", \"chosen\", \"rejected\"} object per "
            + "line, relative to the workspace root. Iteration 0 preference-trains the base model on them. Optional: "
            + "without it iteration 0 is skipped and iteration 1 starts from the base model.")
    public String seedPreferences;

    @JsonPropertyDescription("JSONL of gold-labelled validation pairs (same format as seedPreferences) that no round trains "
            + "on, relative to the workspace root. Optional; when given, every round reports judge_accuracy (the round's judge, "
            + "before training, on these pairs) and validation_accuracy (the same measure for the model it trained, i.e. the "
            + "next round's judge), which spec.guard.minJudgeAccuracy and status.bestIteration use. A few hundred pairs; keep "
            + "them out of seedPreferences.")
    public String validationPreferences;

    @Required
    @ValidationRule(value = "self == oldSelf", message = "data.prompts is immutable")
    @JsonPropertyDescription("JSONL of unlabelled prompts, one {\"prompt\": \"...\"} or {\"messages\": [...]} object "
            + "per line, relative to the workspace root. Iteration k uses the k-th consecutive slice.")
    public String prompts;

    @Required
    @Size(min = 1, max = 50)
    @ValidationRule(value = "self.all(n, n >= 1 && n <= 1000000000)",
            message = "data.promptsPerIteration: each entry must be between 1 and 1000000000")
    @JsonPropertyDescription("Prompts used per iteration, always a list: [n] (every iteration uses n prompts) or one "
            + "number per iteration, e.g. [800, 2000, 3000]. Slices are consecutive and disjoint: iteration k starts where "
            + "iteration k-1 ended.")
    public List<Long> promptsPerIteration;
}
