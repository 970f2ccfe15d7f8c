package io.selfalign.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.files.WorkspacePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The shape of a decoder, parsed from a Hugging Face {@code config.json} or built in code; what differs per
 * model family is the {@link Architecture} descriptor.
 *
 * <p>Supported architectures: {@code LlamaForCausalLM}, {@code MistralForCausalLM}, {@code Qwen2ForCausalLM}.
 * Both rope config styles are read: {@code rope_theta} + {@code rope_scaling} (most published checkpoints)
 * and {@code rope_parameters} (newer transformers). {@code slidingWindow} is Mistral's attention window (each
 * token sees itself and the window − 1 tokens before it), 0 for full causal attention.
 *
 * <p>In code: {@code ModelConfig.builder().vocabSize(36).hiddenSize(128).layers(4).heads(4)
 * .intermediateSize(512).maxPositions(20).tieWordEmbeddings(true).build()}.
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        RopeScaling rope,
        int maxPositions,
        int slidingWindow,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        int bosTokenId,
        List<Integer> eosTokenIds,
        int padTokenId,
        int numLabels) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        require(architecture != null, "architectures", "must be set");
        require(vocabSize > 0, "vocab_size", "must be positive");
        require(hiddenSize > 0, "hidden_size", "must be positive");
        require(intermediateSize > 0, "intermediate_size", "must be positive");
        require(numLayers > 0, "num_hidden_layers", "must be positive");
        require(numHeads > 0, "num_attention_heads", "must be positive");
        require(numKvHeads > 0 && numHeads % numKvHeads == 0, "num_key_value_heads",
                "must divide num_attention_heads (" + numHeads + "), got " + numKvHeads);
        require(headDim > 0 && headDim % 2 == 0, "head_dim", "must be positive and even, got " + headDim);
        require(maxPositions > 0, "max_position_embeddings", "must be positive");
        require(slidingWindow >= 0, "sliding_window", "must be positive or null, got " + slidingWindow);
        require(numLabels >= 0, "num_labels", "must be positive, got " + numLabels);
    }

    /**
     * Whether the model is a token classifier ({@code <Family>ForTokenClassification}): the same decoder, with a head
     * {@code score} of {@link #numLabels} outputs per position instead of the LM head; 0 labels is a causal LM.
     */
    public boolean tokenClassifier() {
        return numLabels > 0;
    }

    /** This decoder as a token classifier with {@code labels} outputs (the guidance model: 1). */
    public ModelConfig withLabels(int labels) {
        return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, rope, maxPositions, slidingWindow, tieWordEmbeddings, qkvBias, outputBias, mlpBias, bosTokenId,
                eosTokenIds, padTokenId, labels);
    }

    /** Rotary position embedding parameters; {@code type} is default, linear, dynamic or llama3. */
    public record RopeScaling(String type, double theta, double factor, double lowFreqFactor,
                              double highFreqFactor, int originalMaxPositions) {
        public static RopeScaling plain(double theta) {
            return new RopeScaling("default", theta, 1, 0, 0, 0);
        }
    }

    /** Query heads served by each key/value head (grouped-query attention). */
    public int groups() {
        return numHeads / numKvHeads;
    }

    /** Rows of the fused q/k/v projection. */
    public int qkvRows() {
        return (numHeads + 2 * numKvHeads) * headDim;
    }

    /** Number of parameters (tied head counted once; a token classifier's head is its score weight and bias). */
    public long parameterCount() {
        long d = hiddenSize;
        long attn = d * qkvRows() + (long) numHeads * headDim * d + (qkvBias ? qkvRows() : 0) + (outputBias ? d : 0);
        long mlp = 3L * d * intermediateSize + (mlpBias ? 2L * intermediateSize + d : 0);
        long perLayer = attn + mlp + 2 * d;
        long head = tokenClassifier() ? (long) numLabels * (d + 1) : tieWordEmbeddings ? 0 : (long) vocabSize * d;
        return (long) vocabSize * d + head + numLayers * perLayer + d;
    }

    public static ModelConfig read(Path dir) throws IOException {
        Path file = WorkspacePath.check(dir.resolve("config.json"));
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new CheckpointException(file + ": not found");
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage());
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
    }

    public static ModelConfig fromJson(JsonNode root) {
        Architecture arch = Architecture.of(root);
        int hidden = intField(root, "hidden_size");
        int heads = intField(root, "num_attention_heads");
        int headDim = root.hasNonNull("head_dim") ? root.get("head_dim").asInt() : hidden / heads;
        boolean attnBias = root.path("attention_bias").asBoolean(false);
        int window = arch.slidingWindow().read(root);
        return new ModelConfig(
                arch,
                intField(root, "vocab_size"),
                hidden,
                intField(root, "intermediate_size"),
                intField(root, "num_hidden_layers"),
                heads,
                root.hasNonNull("num_key_value_heads") ? root.get("num_key_value_heads").asInt() : heads,
                headDim,
                root.path("rms_norm_eps").asDouble(1e-6),
                readRope(root),
                intField(root, "max_position_embeddings"),
                window,
                root.path("tie_word_embeddings").asBoolean(arch.tiedByDefault()),
                arch.qkvBias() || attnBias,
                attnBias,
                root.path("mlp_bias").asBoolean(false),
                root.path("bos_token_id").asInt(-1),
                ids(root.path("eos_token_id")),
                root.path("pad_token_id").asInt(-1),
                Architecture.tokenClassifier(root) ? labels(root) : 0);
    }

    /** transformers' label count: {@code id2label}'s size when given (it wins there), else {@code num_labels}, else 2. */
    private static int labels(JsonNode root) {
        JsonNode id2label = root.path("id2label");
        if (id2label.isObject() && id2label.size() > 0) return id2label.size();
        JsonNode n = root.path("num_labels");
        if (n.isMissingNode()) return 2;
        if (!n.canConvertToInt() || n.asInt() < 1) throw new IllegalArgumentException("num_labels: must be a positive integer, got " + n);
        return n.asInt();
    }

    static List<Integer> ids(JsonNode node) {
        List<Integer> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asInt()));
        } else if (node.isNumber()) {
            out.add(node.asInt());
        }
        return out;
    }

    private static RopeScaling readRope(JsonNode root) {
        JsonNode params = root.path("rope_parameters");
        JsonNode scaling = params.isObject() ? params : root.path("rope_scaling");
        double theta = params.isObject() && params.has("rope_theta")
                ? params.get("rope_theta").asDouble() : root.path("rope_theta").asDouble(10000.0);
        if (!scaling.isObject()) {
            return RopeScaling.plain(theta);
        }
        String type = scaling.has("rope_type") ? scaling.get("rope_type").asText() : scaling.path("type").asText("default");
        type = type.toLowerCase(Locale.ROOT);
        if (!List.of("default", "linear", "dynamic", "llama3").contains(type)) {
            throw new IllegalArgumentException("unsupported rope type '" + type + "' (supported: default, linear, dynamic, llama3)");
        }
        return new RopeScaling(type, theta, scaling.path("factor").asDouble(1.0),
                scaling.path("low_freq_factor").asDouble(1.0), scaling.path("high_freq_factor").asDouble(4.0),
                scaling.path("original_max_position_embeddings").asInt(root.path("max_position_embeddings").asInt()));
    }

    private static int intField(JsonNode root, String name) {
        JsonNode n = root.get(name);
        if (n == null || !n.canConvertToInt()) {
            throw new IllegalArgumentException("missing or non-integer field '" + name + "'");
        }
        return n.asInt();
    }

    private static void require(boolean ok, String field, String message) {
        if (!ok) {
            throw new IllegalArgumentException(field + ": " + message);
        }
    }

    /** The config as Hugging Face writes it ({@code rope_theta} + {@code rope_scaling} style). */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(tokenClassifier() ? architecture.tokenClassifierName() : architecture.name());
        if (tokenClassifier()) {
            // transformers derives num_labels from id2label; both are written as save_pretrained writes them.
            ObjectNode id2label = o.putObject("id2label");
            ObjectNode label2id = o.putObject("label2id");
            for (int i = 0; i < numLabels; i++) {
                id2label.put(String.valueOf(i), "LABEL_" + i);
                label2id.put("LABEL_" + i, i);
            }
            o.put("num_labels", numLabels);
        }
        o.put("model_type", architecture.modelType());
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("num_key_value_heads", numKvHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", architecture.activation().configName());
        o.put("rms_norm_eps", rmsNormEps);
        o.put("max_position_embeddings", maxPositions);
        if (slidingWindow > 0) {
            o.put("sliding_window", slidingWindow);
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (!architecture.qkvBias()) {
            o.put("attention_bias", qkvBias);
            o.put("mlp_bias", mlpBias);
        }
        o.put("rope_theta", rope.theta());
        if (!"default".equals(rope.type())) {
            ObjectNode s = o.putObject("rope_scaling");
            s.put("rope_type", rope.type());
            s.put("factor", rope.factor());
            if ("llama3".equals(rope.type())) {
                s.put("low_freq_factor", rope.lowFreqFactor());
                s.put("high_freq_factor", rope.highFreqFactor());
                s.put("original_max_position_embeddings", rope.originalMaxPositions());
            }
        }
        if (bosTokenId >= 0) {
            o.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            o.put("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            ArrayNode a = o.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        if (padTokenId >= 0) {
            o.put("pad_token_id", padTokenId);
        }
        o.put("torch_dtype", "float32");
        return o;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a config in code; defaults give a small Llama (no biases, rope theta 10000). */
    public static final class Builder {
        private Architecture architecture = Architecture.LLAMA;
        private int vocabSize = 32;
        private int hiddenSize = 128;
        private int intermediateSize = 512;
        private int numLayers = 4;
        private int numHeads = 4;
        private int numKvHeads = -1;
        private int headDim = -1;
        private double rmsNormEps = 1e-6;
        private RopeScaling rope = RopeScaling.plain(10000.0);
        private int maxPositions = 256;
        private int slidingWindow;
        private boolean tie = true;
        private boolean qkvBias;
        private int bos = -1;
        private List<Integer> eos = List.of();
        private int pad = -1;

        public Builder architecture(String name) { architecture = Architecture.named(name); return this; }
        public Builder architecture(Architecture v) { architecture = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder intermediateSize(int v) { intermediateSize = v; return this; }
        public Builder layers(int v) { numLayers = v; return this; }
        public Builder heads(int v) { numHeads = v; return this; }
        public Builder kvHeads(int v) { numKvHeads = v; return this; }
        public Builder headDim(int v) { headDim = v; return this; }
        public Builder rmsNormEps(double v) { rmsNormEps = v; return this; }
        public Builder rope(RopeScaling v) { rope = v; return this; }
        public Builder maxPositions(int v) { maxPositions = v; return this; }
        public Builder slidingWindow(int v) { slidingWindow = v; return this; }
        public Builder tieWordEmbeddings(boolean v) { tie = v; return this; }
        public Builder qkvBias(boolean v) { qkvBias = v; return this; }
        public Builder bosTokenId(int v) { bos = v; return this; }
        public Builder eosTokenId(int v) { eos = List.of(v); return this; }
        public Builder padTokenId(int v) { pad = v; return this; }

        public ModelConfig build() {
            return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads,
                    numKvHeads < 0 ? numHeads : numKvHeads, headDim < 0 ? hiddenSize / numHeads : headDim,
                    rmsNormEps, rope, maxPositions, slidingWindow, tie, qkvBias || architecture.qkvBias(), false, false,
                    bos, eos, pad, 0);
        }
    }
}
