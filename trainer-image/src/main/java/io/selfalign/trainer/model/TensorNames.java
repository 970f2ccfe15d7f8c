package io.selfalign.trainer.model;

/**
 * A family's checkpoint tensor names per decoder module, without the {@code .weight}/{@code .bias} suffix;
 * layer modules are named {@code layerPrefix + index + "." + module}. {@link ParameterLayout} maps the
 * decoder's parameters onto them.
 */
public record TensorNames(String embedTokens, String layerPrefix, String inputNorm, String qProj, String kProj,
                          String vProj, String oProj, String postAttentionNorm, String gateProj, String upProj,
                          String downProj, String finalNorm, String lmHead) {

    /** Hugging Face's Llama names, shared by Mistral and Qwen2. */
    public static final TensorNames LLAMA = new TensorNames("model.embed_tokens", "model.layers.", "input_layernorm",
            "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "post_attention_layernorm",
            "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "model.norm", "lm_head");

    String layer(int index, String module) {
        return layerPrefix + index + "." + module;
    }
}
