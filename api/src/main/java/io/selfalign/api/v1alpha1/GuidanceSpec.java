package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.selfalign.api.round.GuidanceAggregation;
import io.selfalign.api.round.GuidanceRanking;

/**
 * The token-level guidance model (Yang et al., NeurIPS 2023; docs/algorithm.md §6): the policy's decoder with a
 * one-output token head, fitted so that its aggregated token scores explain sequence-level preferences. Used when
 * {@code judge.kind} or {@code training.loss} is {@code guidance}; ignored otherwise.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GuidanceSpec {
    @Default("mean")
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("How token scores become a response's score: mean (default, the paper's), sum or min.")
    public GuidanceAggregation aggregation = GuidanceAggregation.MEAN;

    @Default("listwise")
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("What each round fits the guidance model to: listwise (default: every prompt's K candidates "
            + "in the judge's order, Plackett-Luce) or pairwise (the selected best/worst pair, Bradley-Terry). The seed "
            + "pairs are always pairs.")
    public GuidanceRanking ranking = GuidanceRanking.LISTWISE;

    @Default("5.0E-5")
    @Min(value = 0, inclusive = false)
    @JsonPropertyDescription("AdamW learning rate of the guidance model (the paper's 5e-5); its schedule, batch size "
            + "and clipping are training's.")
    public double learningRate = 5.0E-5;

    @Min(1)
    @JsonPropertyDescription("Epochs of each fit of the guidance model over its rankings (unset: the round's training epochs, "
            + "seedEpochs in the seed round). Its fit starts from a head that scores every token 0, so it may need more passes "
            + "than the policy's training.")
    public Integer epochs;

    @Default("0.05")
    @Min(0)
    @JsonPropertyDescription("Weight kappa of the KL penalty of loss guidance on the model's own samples: each token's "
            + "weight is its guidance score minus kappa times the response's mean log-ratio to the reference (the round's "
            + "starting model). 0 needs no reference.")
    public double klCoefficient = 0.05;
}
