package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The decoder's parameters and the checkpoint tensors each one is made of: the one place that maps names.
 *
 * <p>Parameter names are Hugging Face's Llama tensor names, except for two projections fused to keep the op
 * count per layer low (each DJL op costs tens of µs on a GPU): {@code self_attn.qkv_proj} = rows of
 * {@code q_proj ‖ k_proj ‖ v_proj} and {@code mlp.gate_up_proj} = rows of {@code gate_proj ‖ up_proj}.
 * The checkpoint side comes from the architecture's {@link TensorNames}; {@link ParameterSpec#fuse} joins
 * the parts on load and {@link ParameterSpec#split} cuts them apart again on save. Weights keep the
 * checkpoint's (out, in) layout, so every projection is one {@code linear} call.
 */
public final class ParameterLayout {
    static final String EMBED_TOKENS = "model.embed_tokens.weight";
    static final String FINAL_NORM = "model.norm.weight";
    static final String LM_HEAD = "lm_head.weight";
    // A token classifier's head (transformers' LlamaForTokenClassification: nn.Linear(hidden, num_labels), with bias).
    static final String SCORE_WEIGHT = "score.weight";
    static final String SCORE_BIAS = "score.bias";
    // Per layer, after "model.layers.<i>.".
    static final String INPUT_NORM = "input_layernorm.weight";
    static final String QKV_WEIGHT = "self_attn.qkv_proj.weight";
    static final String QKV_BIAS = "self_attn.qkv_proj.bias";
    static final String O_WEIGHT = "self_attn.o_proj.weight";
    static final String O_BIAS = "self_attn.o_proj.bias";
    static final String POST_ATTENTION_NORM = "post_attention_layernorm.weight";
    static final String GATE_UP_WEIGHT = "mlp.gate_up_proj.weight";
    static final String GATE_UP_BIAS = "mlp.gate_up_proj.bias";
    static final String DOWN_WEIGHT = "mlp.down_proj.weight";
    static final String DOWN_BIAS = "mlp.down_proj.bias";

    private static final String WEIGHT = ".weight";
    private static final String BIAS = ".bias";
    private static final double INIT_STD = 0.02;

    /** How a fresh model initialises a parameter (transformers' Llama init: normal(0, 0.02), unit norm scale, zero bias). */
    public enum Init { NORMAL, UNIT_NORM_SCALE, ZEROS }

    /** One checkpoint tensor of a parameter: its name and how many of the parameter's rows it holds. */
    public record Part(String checkpointName, long rows) {
    }

    /** One decoder parameter: its name, shape and init, and the checkpoint tensors its rows come from, in order. */
    public record ParameterSpec(String name, Shape shape, List<Part> parts, Init init) {
        /** The shape the checkpoint stores part {@code i} in. */
        public long[] partShape(int i) {
            long[] s = shape.getShape().clone();
            s[0] = parts.get(i).rows();
            return s;
        }

        /** The parameter from its parts as loaded (closes them when it concatenates). */
        NDArray fuse(NDList loaded) {
            if (loaded.size() == 1) {
                return loaded.get(0);
            }
            NDArray fused = NDArrays.concat(loaded, 0);
            loaded.close();
            return fused;
        }

        /** The parts as views of the parameter's rows, in checkpoint order (the parameter itself when unfused). */
        NDList split(NDArray parameter) {
            if (parts.size() == 1) {
                return new NDList(parameter);
            }
            NDList views = new NDList();
            long row = 0;
            for (Part p : parts) {
                views.add(parameter.get(new NDIndex("{}:{}", row, row + p.rows())));
                row += p.rows();
            }
            return views;
        }
    }

    private ParameterLayout() {
    }

    /** The name of a per-layer parameter, e.g. {@code model.layers.3.self_attn.qkv_proj.weight}. */
    static String layer(int index, String parameter) {
        return "model.layers." + index + "." + parameter;
    }

    /** The parameter {@code name} of {@code parameters}; fails naming it when it is missing. */
    static NDArray required(Map<String, NDArray> parameters, String name) {
        NDArray a = parameters.get(name);
        if (a == null) throw new IllegalStateException("parameter " + name + " missing");
        return a;
    }

    /** The parameters of a model with this config, in checkpoint order. */
    public static List<ParameterSpec> of(ModelConfig c) {
        TensorNames n = c.architecture().tensorNames();
        List<ParameterSpec> specs = new ArrayList<>();
        long d = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long ff = c.intermediateSize();
        specs.add(single(EMBED_TOKENS, n.embedTokens() + WEIGHT, new Shape(c.vocabSize(), d), Init.NORMAL));
        for (int i = 0; i < c.numLayers(); i++) {
            specs.add(single(layer(i, INPUT_NORM), n.layer(i, n.inputNorm()) + WEIGHT, new Shape(d), Init.UNIT_NORM_SCALE));
            specs.add(qkv(c, i, QKV_WEIGHT, WEIGHT, new Shape(q + 2 * kv, d), Init.NORMAL, q, kv));
            if (c.qkvBias()) {
                specs.add(qkv(c, i, QKV_BIAS, BIAS, new Shape(q + 2 * kv), Init.ZEROS, q, kv));
            }
            specs.add(single(layer(i, O_WEIGHT), n.layer(i, n.oProj()) + WEIGHT, new Shape(d, q), Init.NORMAL));
            if (c.outputBias()) {
                specs.add(single(layer(i, O_BIAS), n.layer(i, n.oProj()) + BIAS, new Shape(d), Init.ZEROS));
            }
            specs.add(single(layer(i, POST_ATTENTION_NORM), n.layer(i, n.postAttentionNorm()) + WEIGHT, new Shape(d),
                    Init.UNIT_NORM_SCALE));
            specs.add(gateUp(c, i, GATE_UP_WEIGHT, WEIGHT, new Shape(2 * ff, d), Init.NORMAL, ff));
            if (c.mlpBias()) {
                specs.add(gateUp(c, i, GATE_UP_BIAS, BIAS, new Shape(2 * ff), Init.ZEROS, ff));
            }
            specs.add(single(layer(i, DOWN_WEIGHT), n.layer(i, n.downProj()) + WEIGHT, new Shape(d, ff), Init.NORMAL));
            if (c.mlpBias()) {
                specs.add(single(layer(i, DOWN_BIAS), n.layer(i, n.downProj()) + BIAS, new Shape(d), Init.ZEROS));
            }
        }
        specs.add(single(FINAL_NORM, n.finalNorm() + WEIGHT, new Shape(d), Init.UNIT_NORM_SCALE));
        if (c.tokenClassifier()) {
            // Zero: an unfitted head scores every token 0, so it ranks nothing instead of ranking by a random projection
            // of the trunk's features (the guidance model, docs/algorithm.md §6).
            specs.add(single(SCORE_WEIGHT, SCORE_WEIGHT, new Shape(c.numLabels(), d), Init.ZEROS));
            specs.add(single(SCORE_BIAS, SCORE_BIAS, new Shape(c.numLabels()), Init.ZEROS));
        } else if (!c.tieWordEmbeddings()) {
            specs.add(single(LM_HEAD, n.lmHead() + WEIGHT, new Shape(c.vocabSize(), d), Init.NORMAL));
        }
        return specs;
    }

    /** Fresh parameters by name with their {@link Init}, reproducible for a seed, on {@code manager}. */
    static Map<String, NDArray> initialised(ModelConfig config, NDManager manager, DataType dtype, long seed) {
        Random rng = new Random(seed);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (ParameterSpec spec : of(config)) {
            float[] values = new float[Math.toIntExact(spec.shape().size())];
            switch (spec.init()) {
                case NORMAL -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (rng.nextGaussian() * INIT_STD);
                    }
                }
                case UNIT_NORM_SCALE -> Arrays.fill(values, 1f - config.architecture().normOffset());
                case ZEROS -> { }
            }
            params.put(spec.name(), manager.create(values, spec.shape()).toType(dtype, false));
        }
        return params;
    }

    private static ParameterSpec single(String name, String checkpointName, Shape shape, Init init) {
        return new ParameterSpec(name, shape, List.of(new Part(checkpointName, shape.get(0))), init);
    }

    private static ParameterSpec qkv(ModelConfig c, int i, String name, String suffix, Shape shape, Init init,
                                     long qRows, long kvRows) {
        TensorNames n = c.architecture().tensorNames();
        return new ParameterSpec(layer(i, name), shape, List.of(new Part(n.layer(i, n.qProj()) + suffix, qRows),
                new Part(n.layer(i, n.kProj()) + suffix, kvRows), new Part(n.layer(i, n.vProj()) + suffix, kvRows)), init);
    }

    private static ParameterSpec gateUp(ModelConfig c, int i, String name, String suffix, Shape shape, Init init,
                                        long rows) {
        TensorNames n = c.architecture().tensorNames();
        return new ParameterSpec(layer(i, name), shape, List.of(new Part(n.layer(i, n.gateProj()) + suffix, rows),
                new Part(n.layer(i, n.upProj()) + suffix, rows)), init);
    }
}
