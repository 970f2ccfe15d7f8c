package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What one model family changes in the shared decoder: chosen from {@code config.json}'s
 * {@code architectures} (or {@code model_type} when that is absent). Everything the decoder, the config
 * reader and the checkpoint mapping do differently per family is a property here, so a new family is one
 * new constant plus the blocks it changes. A Gemma descriptor, for example, would be: norm offset 1, the
 * tanh-GELU gated activation, embeddings scaled by √hidden_size, a logit soft-cap, tied head by default.
 *
 * @param name              the {@code architectures} entry (transformers' model class)
 * @param modelType         the {@code model_type} value
 * @param qkvBias           q/k/v projections always carry a bias and the config has no {@code attention_bias}
 *                          or {@code mlp_bias} field (Qwen2); otherwise {@code attention_bias} decides
 * @param slidingWindow     how {@code sliding_window} is read
 * @param tiedByDefault     {@code tie_word_embeddings} when the config omits it (transformers' per-family default)
 * @param normOffset        RMSNorm scales by {@code normOffset + weight} (0 here; 1 where the weight is stored as w − 1)
 * @param activation        the gate's activation in the gated MLP
 * @param scaleEmbeddings   token embeddings are multiplied by √hidden_size before the first layer
 * @param logitSoftCap      logits become {@code cap·tanh(logits/cap)}; 0 for none
 * @param tensorNames       the checkpoint's tensor names
 */
public record Architecture(String name, String modelType, boolean qkvBias, SlidingWindow slidingWindow,
                           boolean tiedByDefault, float normOffset, GatedActivation activation,
                           boolean scaleEmbeddings, float logitSoftCap, TensorNames tensorNames) {

    public static final Architecture LLAMA = new Architecture("LlamaForCausalLM", "llama", false,
            SlidingWindow.FROM_CONFIG, false, 0f, GatedActivation.SILU, false, 0f, TensorNames.LLAMA);
    /** Llama with a sliding attention window (e.g. zephyr-7b-sft-full: 4096). */
    public static final Architecture MISTRAL = new Architecture("MistralForCausalLM", "mistral", false,
            SlidingWindow.FROM_CONFIG, false, 0f, GatedActivation.SILU, false, 0f, TensorNames.LLAMA);
    /** Llama with q/k/v bias and a tied head by default. */
    public static final Architecture QWEN2 = new Architecture("Qwen2ForCausalLM", "qwen2", true,
            SlidingWindow.REFUSE_PER_LAYER, true, 0f, GatedActivation.SILU, false, 0f, TensorNames.LLAMA);
    public static final List<Architecture> SUPPORTED = List.of(LLAMA, MISTRAL, QWEN2);

    /** How a family reads {@code sliding_window}. */
    public enum SlidingWindow {
        /** {@code sliding_window} (a number, else none) applies to every layer. */
        FROM_CONFIG,
        /**
         * Qwen2: configs carry a {@code sliding_window} that applies to some layers only, and only with
         * {@code use_sliding_window} (off in published checkpoints); that mode is refused.
         */
        REFUSE_PER_LAYER;

        int read(JsonNode root) {
            if (this == REFUSE_PER_LAYER) {
                if (root.path("use_sliding_window").asBoolean(false)) {
                    throw new IllegalArgumentException(
                            "use_sliding_window: Qwen2's per-layer sliding-window attention is not supported");
                }
                return 0;
            }
            JsonNode sliding = root.path("sliding_window");
            return sliding.isNumber() ? sliding.asInt() : 0;
        }
    }

    /** The activation of the gate in {@code act(gate) * up}; {@code configName} is {@code hidden_act}'s value. */
    public enum GatedActivation {
        SILU("silu") {
            @Override
            NDArray apply(NDArray gate) {
                return gate.mul(Activation.sigmoid(gate));
            }
        };

        private final String configName;

        GatedActivation(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        abstract NDArray apply(NDArray gate);
    }

    private static final String CAUSAL_LM = "ForCausalLM";
    private static final String TOKEN_CLASSIFICATION = "ForTokenClassification";

    /** transformers' token-classifier class of this family, e.g. {@code LlamaForTokenClassification}. */
    public String tokenClassifierName() {
        return name.substring(0, name.length() - CAUSAL_LM.length()) + TOKEN_CLASSIFICATION;
    }

    /**
     * The descriptor with this {@code architectures} entry, a family's causal LM or its token classifier; the error
     * names the field and the supported values.
     */
    public static Architecture named(String name) {
        return SUPPORTED.stream().filter(a -> a.name.equals(name) || a.tokenClassifierName().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("architectures: unsupported architecture '" + name + "' (supported: "
                        + SUPPORTED.stream().map(Architecture::name).toList() + " and their ForTokenClassification heads)"));
    }

    /** Whether a {@code config.json} names a token classifier ({@code <Family>ForTokenClassification}). */
    static boolean tokenClassifier(JsonNode config) {
        JsonNode archs = config.path("architectures");
        return archs.isArray() && archs.size() > 0 && archs.get(0).asText().endsWith(TOKEN_CLASSIFICATION);
    }

    /** The family of a {@code config.json}: its first {@code architectures} entry, else its {@code model_type}. */
    public static Architecture of(JsonNode config) {
        JsonNode archs = config.path("architectures");
        if (archs.isArray() && archs.size() > 0) {
            return named(archs.get(0).asText());
        }
        String modelType = config.path("model_type").asText("");
        return SUPPORTED.stream().filter(a -> a.modelType.equals(modelType)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("model_type: unsupported model type '" + modelType + "' (supported: "
                        + SUPPORTED.stream().map(Architecture::modelType).toList() + ")"));
    }
}
