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
}
