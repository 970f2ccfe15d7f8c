package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.selfalign.api.round.JudgeKind;
import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.JudgeReference;
import io.selfalign.api.round.JudgeSelection;
import io.selfalign.api.round.LengthControl;
import io.selfalign.api.round.TruncatedResponses;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * The judge that labels the model's own response pairs: by default the policy's own mean log-prob (no reference
 * model), or SPA's implicit reward against a reference. Why that default: docs/judge.md.
 */
public class JudgeSpec {
    @Default("likelihood")
    @JsonPropertyDescription("What scores the candidates: likelihood (default: the policy's log-prob with reference, score and "
            + "referenceWeight below) or guidance (the token-level guidance model's aggregate over the response's tokens, "
            + "fitted to the seed pairs, which it needs, and refitted every round; settings in training.guidance). "
            + "See docs/judge.md.")
    // An unknown name becomes null, which the operator's validator names with the allowed values (see LenientEnum).
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public JudgeKind kind = JudgeKind.LIKELIHOOD;

    @Default("none")
    // An unknown value becomes null, which the operator's validator names with the allowed values (see LenientEnum);
    // the null is written too, so that a copy made through JSON does not turn it back into the default.
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("Reference model of the judge's reward r = log pi(y|x) - log ref(y|x): none (default: "
            + "r = log pi(y|x), the policy's own likelihood, no second model loaded; with score: mean this is SimPO's reward, "
            + "and it labelled 70-84% of the benchmark's pairs correctly where the implicit reward fell below chance), initial "
            + "(the base model, fixed for all iterations; the SPA paper's choice) or previous (the model the "
            + "sampling policy was trained from: the base model at iteration 1, iteration k-2's model at iteration k, so the reward "
            + "is the policy's own DPO implicit reward). See docs/judge.md.")
    public JudgeReference reference = JudgeReference.NONE;

    @Default("mean")
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("Response score: mean (default, length-normalised) or sum (the SPA paper's) of the response's "
            + "token log-probs, EOS included.")
    public JudgeScore score = JudgeScore.MEAN;

    @Default("exclude")
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("Responses cut at generation.maxNewTokens before EOS: exclude (never paired; a prompt with fewer "
            + "than two finished responses yields no pair) or keep (judged like finished ones; they lack the EOS term, so the "
            + "implicit reward favours run-on responses).")
    public TruncatedResponses truncated = TruncatedResponses.EXCLUDE;

    @Default("none")
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("Length control of the labels: none (rewards as they are, SPA), regress (subtract the "
            + "least-squares fit of the round's rewards on response length before picking best and worst, as length-controlled "
            + "win rates do) or match (pair only responses of equal length; needs generation.samplesPerPrompt > 2 to find "
            + "such pairs often). The summed implicit reward grows with every token the policy up-weighted, so without it "
            + "a drifting judge prefers longer responses round after round.")
    public LengthControl lengthControl = LengthControl.NONE;

    @Default("false")
    @JsonPropertyDescription("Drop prompts whose best and worst response get exactly the same reward.")
    public boolean dropTies = false;

    @Min(0)
    @Max(1)
    @JsonPropertyDescription("Weight theta of the reference in r = log pi(y|x) - theta * log ref(y|x), in [0, 1] (unset: 1, the "
            + "implicit reward). theta = 0 is the policy's own likelihood, which sharpens the policy towards its mode; theta = 1 "
            + "measures what training moved, the seed's direction included; values between mix the two. Ignored with "
            + "reference: none. See docs/judge.md.")
    public Double referenceWeight;

    @JsonPropertyDescription("validation (the default when data.validationPreferences is given, which it needs): each round "
            + "scores the validation pairs with theta = 0, 0.25, 0.5, 0.75 and 1 and judges with theta = 0 unless a larger theta "
            + "orders them significantly better (one-sided paired test, 5% level), then with the most accurate of those; the "
            + "reference is judge.reference, or the base model when that is none. none (the default without validation pairs): "
            + "the configured referenceWeight. See docs/judge.md.")
    // Unset means the default above, so an unknown name reads as unset here (LenientEnum); the CRD's enum refuses it on a cluster.
    @JsonDeserialize(using = LenientEnum.class)
    public JudgeSelection select;
}
