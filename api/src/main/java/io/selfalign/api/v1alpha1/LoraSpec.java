package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * LoRA preference training (off unless {@code spec.training.lora} is set): the names and meaning of
 * PEFT's {@code LoraConfig} ({@code r}, {@code lora_alpha}, {@code lora_dropout}, {@code target_modules}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LoraSpec {
    @Required
    @Min(1)
    // Beyond this an adapter is larger than the projection it adapts on any model the trainer loads.
    @Max(4096)
    @JsonPropertyDescription("Rank r of each adapter (PEFT's r): adapter A is r x in, B is out x r.")
    public int rank;

    @Min(value = 0, inclusive = false)
    @JsonPropertyDescription("Scaling numerator (PEFT's lora_alpha): the adapter adds (alpha / rank) * B*A to a "
            + "projection's weight. Unset means 2 * rank (PEFT's own default is 8).")
    public Double alpha;

    @Min(0)
    @Max(value = 1, inclusive = false)
    @JsonPropertyDescription("Dropout on each adapter's input while training (PEFT's lora_dropout).")
    public double dropout = 0.0;

    @Size(min = 1, max = 7)
    @JsonPropertyDescription("Projections that get an adapter, by PEFT's module names: q_proj, k_proj, v_proj, o_proj, "
            + "gate_proj, up_proj, down_proj. Unset means all seven.")
    public List<String> targetModules;
}
