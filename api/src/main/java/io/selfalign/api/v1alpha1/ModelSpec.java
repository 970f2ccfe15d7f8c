package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.selfalign.api.round.ComputeDtype;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** The base (SFT) model the run starts from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelSpec {
    @Required
    @JsonPropertyDescription("Directory of the base (SFT) model in Hugging Face layout (config.json, *.safetensors, "
            + "tokenizer.json), relative to the workspace volume root, e.g. models/zephyr-7b-sft. "
            + "Absolute paths and '..' are rejected.")
    public String path;

    @Default("float32")
    // An unknown value becomes null, which the operator's validator names with the allowed values (see LenientEnum);
    // the null is written too, so that a copy made through JSON does not turn it back into the default.
    @JsonDeserialize(using = LenientEnum.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyDescription("Compute dtype of the trainer: float32, or float16 (fp16 weights with fp32 master "
            + "weights and loss scaling; use on GPUs). Checkpoints keep the base model's on-disk dtype.")
    public ComputeDtype dtype = ComputeDtype.FLOAT32;
}
