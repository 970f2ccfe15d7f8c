package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.selfalign.api.round.LrSchedule;
import io.selfalign.api.round.Loss;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Preference training of each round. Defaults follow the SPA recipe (docs/algorithm.md §1, §5). */
public class TrainingSpec {
    @Default("spa")
    // An unknown value becomes null, which the operator's validator names with the allowed values (see LenientEnum);
    // the null is written too, so that a copy made through JSON does not turn it back into the default.
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("Preference loss of iterations >= 1: spa (DPO with self-refinement and noise detection), "
            + "dpo, cdpo, rdpo, ipo, hinge, simpo, orpo or guidance (token-weighted by the guidance model: weighted likelihood of "
            + "the seed round's chosen responses, REINFORCE with a KL penalty on the model's own samples; see training.guidance). "
            + "The seed round (iteration 0) always uses dpo when loss is spa.")
    public Loss loss = Loss.SPA;

    @Default("0.1")
    @Min(value = 0, inclusive = false)
    @JsonPropertyDescription("KL strength beta of the DPO family (simpo: its reward scale).")
    public double beta = 0.1;

    @Default("5.0E-7")
    @Min(value = 0, inclusive = false)
    @JsonPropertyDescription("Peak AdamW learning rate.")
    public double learningRate = 5.0E-7;

    @Default("1")
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Epochs over each iteration's self-labelled pairs.")
    public int epochs = 1;

    @Default("3")
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Epochs over the seed preferences in iteration 0.")
    public int seedEpochs = 3;

    @Default("32")
    @Min(1)
    @JsonPropertyDescription("Pairs per optimizer step (effective batch).")
    public int batchSize = 32;

    @Default("4")
    @Min(1)
    @JsonPropertyDescription("Pairs per forward/backward pass; gradients accumulate over batchSize/microBatchSize "
            + "micro-batches, so it must divide batchSize. Lower it when the trainer runs out of memory.")
    public int microBatchSize = 4;

    @Default("0.1")
    @Min(0)
    @Max(value = 1, inclusive = false)
    @JsonPropertyDescription("Fraction of optimizer steps with linear learning-rate warm-up.")
    public double warmupRatio = 0.1;

    @Default("cosine")
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("Learning-rate decay after warm-up: cosine, linear or constant.")
    public LrSchedule schedule = LrSchedule.COSINE;

    @Default("2048")
    @Min(2)
    @JsonPropertyDescription("Maximum tokens of prompt plus response; longer responses are truncated.")
    public int maxLength = 2048;

    @Default("1024")
    @Min(1)
    @JsonPropertyDescription("Maximum prompt tokens (cut from the left); must be below maxLength.")
    public int maxPromptLength = 1024;

    @Default("0.0")
    @Min(0)
    @JsonPropertyDescription("AdamW decoupled weight decay.")
    public double weightDecay = 0.0;

    @Default("1.0")
    @Min(0)
    @JsonPropertyDescription("Clip the global gradient norm to this value; 0 disables clipping.")
    public double maxGradNorm = 1.0;

    @Default("0.1")
    @Min(0)
    @Max(value = 0.5, inclusive = false)
    @JsonPropertyDescription("Assumed label-flip rate epsilon of the cdpo and rdpo losses (ignored by the others).")
    public double labelSmoothing = 0.1;

    @Default("0.5")
    @Min(0)
    @JsonPropertyDescription("Target reward margin gamma of the simpo loss.")
    public double simpoGamma = 0.5;

    @Default("0.1")
    @Min(0)
    @JsonPropertyDescription("Weight lambda of the odds-ratio term of the orpo loss.")
    public double orpoLambda = 0.1;

    @Default("{}")
    @JsonSetter(nulls = Nulls.SKIP)
    @JsonPropertyDescription("Self-refinement and de-coupled noise detection (loss spa).")
    public RefinementSpec refinement = new RefinementSpec();

    @JsonPropertyDescription("Train LoRA adapters instead of every weight (off when unset): the round's starting model stays "
            + "frozen and is the training reference with the adapters off, so no second copy of the weights is held. "
            + "Each round writes model/ (adapters merged) and adapter/ (PEFT format).")
    public LoraSpec lora;

    @JsonPropertyDescription("The token-level guidance model of judge.kind guidance and loss guidance (defaults when unset). "
            + "See docs/algorithm.md.")
    public GuidanceSpec guidance;
}
