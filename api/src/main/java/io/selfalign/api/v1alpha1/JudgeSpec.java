package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** The implicit-reward judge that labels the model's own response pairs. */
public class JudgeSpec {
    @Default("initial")
    @Pattern("^(initial|previous)$")
    @JsonPropertyDescription("Reference model of the implicit reward r = log pi(y|x) - log ref(y|x): initial (the base "
            + "model, fixed for all iterations; SPA's choice) or previous (the policy that generated the responses).")
    public String reference = "initial";

    @Default("sum")
    @Pattern("^(sum|mean)$")
    @JsonPropertyDescription("Response score: sum of token log-probs (SPA) or their mean (length-normalised).")
    public String score = "sum";

    @Default("false")
    @JsonPropertyDescription("Drop prompts whose best and worst response get exactly the same reward.")
    public boolean dropTies = false;
}
