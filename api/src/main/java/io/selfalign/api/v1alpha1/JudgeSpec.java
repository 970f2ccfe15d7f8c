package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.JudgeReference;
import io.selfalign.api.round.LengthControl;
import io.selfalign.api.round.TruncatedResponses;
import io.fabric8.generator.annotation.Default;

/** The implicit-reward judge that labels the model's own response pairs. */
public class JudgeSpec {
    @Default("initial")
    @JsonPropertyDescription("Reference model of the implicit reward r = log pi(y|x) - log ref(y|x): initial (the base "
            + "model, fixed for all iterations; SPA's choice), previous (the model the "
            + "sampling policy was trained from: the base model at iteration 1, iteration k-2's model at iteration k, so the reward "
            + "is the policy's own DPO implicit reward) or none (r = log pi(y|x), the policy's own likelihood; with score: mean "
            + "this is SimPO's reward, and no second model is loaded).")
    public JudgeReference reference = JudgeReference.INITIAL;

    @Default("sum")
    @JsonPropertyDescription("Response score: sum of token log-probs (SPA) or their mean (length-normalised).")
    public JudgeScore score = JudgeScore.SUM;

    @Default("exclude")
    @JsonPropertyDescription("Responses cut at generation.maxNewTokens before EOS: exclude (never paired; a prompt with fewer "
            + "than two finished responses yields no pair) or keep (judged like finished ones; they lack the EOS term, so the "
            + "implicit reward favours run-on responses).")
    public TruncatedResponses truncated = TruncatedResponses.EXCLUDE;

    @Default("none")
    @JsonPropertyDescription("Length control of the labels: none (rewards as they are, SPA), regress (subtract the "
            + "least-squares fit of the round's rewards on response length before picking best and worst, as length-controlled "
            + "win rates do) or match (pair only responses of equal length; needs generation.samplesPerPrompt > 2 to find "
            + "such pairs often). The summed implicit reward grows with every token the policy up-weighted, so without it "
            + "a drifting judge prefers longer responses round after round.")
    public LengthControl lengthControl = LengthControl.NONE;

    @Default("false")
    @JsonPropertyDescription("Drop prompts whose best and worst response get exactly the same reward.")
    public boolean dropTies = false;
}
