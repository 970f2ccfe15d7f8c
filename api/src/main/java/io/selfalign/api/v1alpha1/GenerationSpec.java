package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How the current policy samples responses to each iteration's prompts. */
public class GenerationSpec {
    @Default("4")
    @Min(2)
    @Max(64)
    @JsonPropertyDescription("Responses sampled per prompt. The judge picks the highest- and lowest-reward response as "
            + "the chosen/rejected pair, so at least 2. Default 4: with an accurate judge the best and worst of 4 are further "
            + "apart in quality than two samples (the SPA paper used 2).")
    public int samplesPerPrompt = 4;

    @Default("0.7")
    @Min(0)
    @Max(5)
    @JsonPropertyDescription("Sampling temperature; 0 means greedy decoding (all samples equal: avoid).")
    public double temperature = 0.7;

    @Default("1.0")
    @Min(value = 0, inclusive = false)
    @Max(1)
    @JsonPropertyDescription("Nucleus sampling: keep the smallest token set whose probability reaches topP. 1 = off.")
    public double topP = 1.0;

    @Default("0")
    @Min(0)
    @JsonPropertyDescription("Keep only the topK most likely tokens before sampling. 0 = off.")
    public int topK = 0;

    @Default("300")
    @Min(1)
    @Max(32768)
    @JsonPropertyDescription("Maximum new tokens per response (EOS ends a response earlier).")
    public int maxNewTokens = 300;

    @Default("32")
    @Min(1)
    @JsonPropertyDescription("Prompts decoded together in one batch.")
    public int batchSize = 32;

    @Default("1")
    @Min(1)
    @Max(256)
    @JsonPropertyDescription("Pods that generate and judge each iteration's prompts in parallel (an Indexed Job, one GPU "
            + "each, shard i taking a contiguous share of the prompts); the round's training pod then gathers their "
            + "candidates in prompt order and trains. Labels are the same as with 1 for the same seed. Iteration 0 "
            + "(seed pairs) is never sharded. The workspace claim must be mountable by all of them at once "
            + "(ReadWriteMany, or every pod on one node).")
    public int shards = 1;
}
