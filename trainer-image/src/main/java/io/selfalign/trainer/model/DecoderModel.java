package io.selfalign.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A Llama-family decoder (Llama, Mistral, Qwen2) on DJL, written out in one place, nanoGPT style.
 *
 * <p>Parameters are plain NDArrays named like the Hugging Face checkpoint's tensors, except that two
 * projections are fused to keep the op count per layer low (each DJL op costs tens of µs on a GPU):
 * {@code self_attn.qkv_proj} = rows of {@code q_proj ‖ k_proj ‖ v_proj} and {@code mlp.gate_up_proj} =
 * rows of {@code gate_proj ‖ up_proj}. {@link Checkpoint} splits them back when saving. Weights keep the
 * checkpoint's (out, in) layout, so every projection is one {@code linear} call.
 *
 * <p>Usage:
 * <pre>{@code
 * DecoderModel m = Checkpoint.load(dir, Device.cpu(), DataType.FLOAT32);   // or DecoderModel.random(config, device, seed)
 * NDArray logits = m.forward(inputIds, attentionMask);                   // [B,T,V], any padding
 * m.setTrainable(true);                                                  // then forward inside a GradientCollector
 * for (NDArray p : m.trainableParameters()) { ... p.getGradient() ... }
 * }</pre>
 * Results are attached to the manager of the input ids: run each step in an {@code NDScope}.
 */
public final class DecoderModel implements AutoCloseable {

    /** How one model parameter maps to checkpoint tensors (several when fused) and how it is initialised. */
    public record ParameterSpec(String name, Shape shape, List<String> checkpointNames, long[] rowsPerPart,
                                Init init) {
    }

    /** Random initialisation of a fresh model, as transformers does for Llama. */
    public enum Init { NORMAL, ONES, ZEROS }

    private static final double INIT_STD = 0.02;

    private final ModelConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final Map<String, String> storedDtypes;
    private final Path sourceDir;
    private final RotaryEmbedding rotary;
    private final DataType dtype;
    private final NDArray attentionScale;
    private final NDArray maskedOut;
    private final NDArray epsilon;
    private final NDArray inverseSqrtWidth;
    private final float sqrtEpsilon;
    private final NDArray embedTokens;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private final Layer[] layers;
    // Slices of the fused projections, parsed once (NDIndex parsing is not free in the decode loop).
    private final NDIndex qkRows;
    private final NDIndex qRows;
    private final NDIndex kRows;
    private final NDIndex vRows;
    private final NDIndex gateColumns;
    private final NDIndex upColumns;
    private boolean trainable;

    /** One decoder layer's parameters (fused projections; biases may be null). */
    private record Layer(NDArray inputNorm, NDArray qkv, NDArray qkvBias, NDArray o, NDArray oBias, NDArray postNorm,
                         NDArray gateUp, NDArray gateUpBias, NDArray down, NDArray downBias) {
    }

    DecoderModel(ModelConfig config, NDManager manager, Map<String, NDArray> parameters,
               Map<String, String> storedDtypes, Path sourceDir) {
        this.config = config;
        this.manager = manager;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.storedDtypes = Map.copyOf(storedDtypes);
        this.sourceDir = sourceDir;
        this.rotary = new RotaryEmbedding(config);
        this.embedTokens = param("model.embed_tokens.weight");
        this.dtype = embedTokens.getDataType();
        this.finalNorm = param("model.norm.weight");
        this.lmHead = config.tieWordEmbeddings() ? embedTokens : param("lm_head.weight");
        this.layers = new Layer[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(param(p + "input_layernorm.weight"),
                    param(p + "self_attn.qkv_proj.weight"), parameters.get(p + "self_attn.qkv_proj.bias"),
                    param(p + "self_attn.o_proj.weight"), parameters.get(p + "self_attn.o_proj.bias"),
                    param(p + "post_attention_layernorm.weight"),
                    param(p + "mlp.gate_up_proj.weight"), parameters.get(p + "mlp.gate_up_proj.bias"),
                    param(p + "mlp.down_proj.weight"), parameters.get(p + "mlp.down_proj.bias"));
        }
        int h = config.numHeads();
        int kvh = config.numKvHeads();
        this.qkRows = new NDIndex(":, :{}", h + kvh);
        this.qRows = new NDIndex(":, :{}", h);
        this.kRows = new NDIndex(":, {}:", h);
        this.vRows = new NDIndex(":, {}:", h + kvh);
        this.gateColumns = new NDIndex("..., :{}", config.intermediateSize());
        this.upColumns = new NDIndex("..., {}:", config.intermediateSize());
        // Scalars are created once: a scalar argument costs a fresh tensor per op in DJL.
        this.attentionScale = manager.create((float) (1.0 / Math.sqrt(config.headDim()))).toType(dtype, false);
        // Finite (fp16-safe) so that a fully masked row (left padding) stays finite instead of NaN.
        this.maskedOut = manager.create(dtype == DataType.FLOAT16 ? -30000f : -1e30f).toType(dtype, false);
        this.epsilon = manager.create((float) config.rmsNormEps()).toType(dtype, false);
        this.inverseSqrtWidth = manager.create((float) (1.0 / Math.sqrt(config.hiddenSize()))).toType(dtype, false);
        this.sqrtEpsilon = (float) Math.sqrt(config.rmsNormEps());
    }

    private NDArray param(String name) {
        NDArray a = parameters.get(name);
        if (a == null) {
            throw new IllegalStateException("parameter " + name + " missing");
        }
        return a;
    }

    /** The parameters of a model with this config, in checkpoint order, with their checkpoint tensor names. */
    public static List<ParameterSpec> layout(ModelConfig c) {
        List<ParameterSpec> specs = new ArrayList<>();
        long d = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long ff = c.intermediateSize();
        specs.add(single("model.embed_tokens.weight", new Shape(c.vocabSize(), d), Init.NORMAL));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            String m = p + "mlp.";
            specs.add(single(p + "input_layernorm.weight", new Shape(d), Init.ONES));
            specs.add(fused(a + "qkv_proj.weight", new Shape(q + 2 * kv, d), Init.NORMAL,
                    List.of(a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight"), q, kv, kv));
            if (c.qkvBias()) {
                specs.add(fused(a + "qkv_proj.bias", new Shape(q + 2 * kv), Init.ZEROS,
                        List.of(a + "q_proj.bias", a + "k_proj.bias", a + "v_proj.bias"), q, kv, kv));
            }
            specs.add(single(a + "o_proj.weight", new Shape(d, q), Init.NORMAL));
            if (c.outputBias()) {
                specs.add(single(a + "o_proj.bias", new Shape(d), Init.ZEROS));
            }
            specs.add(single(p + "post_attention_layernorm.weight", new Shape(d), Init.ONES));
            specs.add(fused(m + "gate_up_proj.weight", new Shape(2 * ff, d), Init.NORMAL,
                    List.of(m + "gate_proj.weight", m + "up_proj.weight"), ff, ff));
            if (c.mlpBias()) {
                specs.add(fused(m + "gate_up_proj.bias", new Shape(2 * ff), Init.ZEROS,
                        List.of(m + "gate_proj.bias", m + "up_proj.bias"), ff, ff));
            }
            specs.add(single(m + "down_proj.weight", new Shape(d, ff), Init.NORMAL));
            if (c.mlpBias()) {
                specs.add(single(m + "down_proj.bias", new Shape(d), Init.ZEROS));
            }
        }
        specs.add(single("model.norm.weight", new Shape(d), Init.ONES));
        if (!c.tieWordEmbeddings()) {
            specs.add(single("lm_head.weight", new Shape(c.vocabSize(), d), Init.NORMAL));
        }
        return specs;
    }

    private static ParameterSpec single(String name, Shape shape, Init init) {
        return new ParameterSpec(name, shape, List.of(name), new long[] {shape.get(0)}, init);
    }

    private static ParameterSpec fused(String name, Shape shape, Init init, List<String> parts, long... rows) {
        return new ParameterSpec(name, shape, parts, rows, init);
    }

    /**
     * A fresh model with transformers' Llama initialisation (normal(0, 0.02) weights, unit norms, zero
     * biases), reproducible for a seed. Its own NDManager is closed by {@link #close()}.
     */
    public static DecoderModel random(ModelConfig config, Device device, DataType dtype, long seed) {
        NDManager manager = NDManager.newBaseManager(device);
        Random rng = new Random(seed);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (ParameterSpec spec : layout(config)) {
            float[] values = new float[Math.toIntExact(spec.shape().size())];
            switch (spec.init()) {
                case NORMAL -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (rng.nextGaussian() * INIT_STD);
                    }
                }
                case ONES -> java.util.Arrays.fill(values, 1f);
                case ZEROS -> { }
            }
            params.put(spec.name(), manager.create(values, spec.shape()).toType(dtype, false));
        }
        return new DecoderModel(config, manager, params, Map.of(), null);
    }

    public static DecoderModel random(ModelConfig config, Device device, long seed) {
        return random(config, device, DataType.FLOAT32, seed);
    }

    /** A deep copy of the weights (e.g. a frozen reference model), optionally in another dtype. */
    public DecoderModel copy(DataType newDtype) {
        NDManager m = NDManager.newBaseManager(manager.getDevice());
        Map<String, NDArray> params = new LinkedHashMap<>();
        // toType(sameType, copy=true) returns an alias in DJL 0.35 (torch .to() without copy): duplicate() copies
        parameters.forEach((name, a) -> params.put(name, (a.getDataType() == newDtype ? a.duplicate() : a.toType(newDtype, true))
                .toDevice(m.getDevice(), false)));
        params.values().forEach(a -> a.attach(m));
        return new DecoderModel(config, m, params, storedDtypes, sourceDir);
    }

    public DecoderModel copy() {
        return copy(dtype);
    }

    /** Overwrites this model's weights with {@code other}'s (same config), e.g. fp32 master → fp16 working copy. */
    public void copyWeightsFrom(DecoderModel other) {
        parameters.forEach((name, a) -> {
            NDArray src = other.parameters.get(name);
            try (NDArray converted = src.toType(a.getDataType(), true)) {
                converted.copyTo(a);
            }
        });
    }

    public ModelConfig config() {
        return config;
    }

    public DataType dataType() {
        return dtype;
    }

    public Device device() {
        return manager.getDevice();
    }

    public NDManager manager() {
        return manager;
    }

    /** Parameters by name, in checkpoint order (fused names as described in the class comment). */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** The dtype each checkpoint tensor was stored in (empty for a fresh model: saved as F32). */
    Map<String, String> storedDtypes() {
        return storedDtypes;
    }

    /** The checkpoint directory the weights came from, or null for a fresh model. */
    public Path sourceDir() {
        return sourceDir;
    }

    /** Marks every parameter as requiring a gradient (or not); gradients are recorded only inside a GradientCollector. */
    public void setTrainable(boolean on) {
        for (NDArray p : parameters.values()) {
            p.setRequiresGradient(on);
        }
        trainable = on;
    }

    /** The parameters an optimizer updates, empty unless {@link #setTrainable(boolean) trainable}. */
    public List<NDArray> trainableParameters() {
        return trainable ? List.copyOf(parameters.values()) : List.of();
    }

    /**
     * Logits [B,T,V] for a padded batch. {@code attentionMask} [B,T] is 1 for real tokens; padding may be on
     * the right (training) or the left (generation). Positions count from each row's first real token.
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask) {
        return logits(hiddenStates(inputIds, positionsFromMask(attentionMask), attentionMask, null));
    }

    /**
     * Logits [B,T,V] for new tokens {@code inputIds} [B,T] at {@code positionIds} [B,T]; {@code keyMask}
     * [B, cached + T] marks the real tokens among cached and new ones. With a cache, the new keys and values
     * are appended to it.
     */
    public NDArray forward(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
        return logits(hiddenStates(inputIds, positionIds, keyMask, cache));
    }

    /** Position of each token: its index counted from the row's first real token (0 on left padding). */
    public static NDArray positionsFromMask(NDArray attentionMask) {
        long t = attentionMask.getShape().get(1);
        NDArray leftPad = attentionMask.toType(DataType.INT64, false).argMax(1).reshape(-1, 1);
        NDArray cols = attentionMask.getManager().arange(0, (int) t, 1, DataType.INT64).reshape(1, t);
        return cols.sub(leftPad).maximum(0);
    }

    /** Final-norm hidden states [B,T,D]; {@link #logits(NDArray)} projects them to the vocabulary. */
    public NDArray hiddenStates(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
        int t = (int) inputIds.getShape().get(1);
        int past = cache == null ? 0 : cache.length();
        int total = past + t;
        if (cache != null && total > cache.capacity()) {
            throw new IllegalArgumentException("KV cache full: " + total + " > " + cache.capacity());
        }
        NDArray[] rope = rotary.tables(manager, total, dtype);
        NDArray cos = Embedding.embedding(positionIds, rope[0], SparseFormat.DENSE).singletonOrThrow().expandDims(1);
        NDArray sin = Embedding.embedding(positionIds, rope[1], SparseFormat.DENSE).singletonOrThrow().expandDims(1);
        NDArray bias = attentionBias(keyMask, past, t);
        NDArray x = Embedding.embedding(inputIds, embedTokens, SparseFormat.DENSE).singletonOrThrow();
        for (int i = 0; i < layers.length; i++) {
            x = block(layers[i], x, cos, sin, bias, cache, i, past);
        }
        if (cache != null) {
            cache.advance(t);
        }
        return rmsNorm(x, finalNorm);
    }

    public NDArray logits(NDArray hidden) {
        return Linear.linear(hidden, lmHead).singletonOrThrow();
    }

    /**
     * Additive attention bias [B,1,T,S]: 0 where a query may attend, a large negative number elsewhere. Query i
     * (cache index past + i) sees keys j ≤ i, and with a sliding window W only j > i − W (transformers' rule).
     */
    private NDArray attentionBias(NDArray keyMask, int past, int t) {
        long b = keyMask.getShape().get(0);
        long s = keyMask.getShape().get(1);
        NDArray blocked = keyMask.eq(0).reshape(b, 1, 1, s);
        int window = config.slidingWindow();
        boolean windowed = window > 0 && past + t > window;
        if (t > 1 || windowed) {
            NDManager m = keyMask.getManager();
            NDArray cols = m.arange(0, (int) s, 1, DataType.INT32).reshape(1, s);
            NDArray rows = m.arange(past, past + t, 1, DataType.INT32).reshape(t, 1);
            NDArray hidden = cols.gt(rows);
            if (windowed) {
                hidden = hidden.logicalOr(cols.lte(m.arange(past - window, past + t - window, 1, DataType.INT32).reshape(t, 1)));
            }
            blocked = blocked.logicalOr(hidden);
        }
        return blocked.toType(dtype, false).mul(maskedOut);
    }

    private NDArray block(Layer l, NDArray x, NDArray cos, NDArray sin, NDArray bias, KvCache cache, int layer,
                          int past) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int h = config.numHeads();
        int kvh = config.numKvHeads();
        int hd = config.headDim();

        // Attention: one projection for q, k and v; rotate q and k together.
        NDArray qkv = Linear.linear(rmsNorm(x, l.inputNorm()), l.qkv(), l.qkvBias()).singletonOrThrow()
                .reshape(b, t, h + 2 * kvh, hd).transpose(0, 2, 1, 3);
        NDArray qk = rotate(qkv.get(qkRows), cos, sin);
        NDArray q = qk.get(qRows).mul(attentionScale);
        NDArray k = qk.get(kRows);
        NDArray v = qkv.get(vRows);
        if (cache != null) {
            k = cache.append(layer, k, v, past);
            v = cache.values(layer, past + (int) t);
        }
        long s = k.getShape().get(2);
        // Grouped-query attention without copying k/v: the g query heads of one kv head share a matmul.
        NDArray scores = q.reshape(b, kvh, config.groups() * t, hd).matMul(k.transpose(0, 1, 3, 2))
                .reshape(b, h, t, s).add(bias);
        NDArray probs = scores.softmax(3).reshape(b, kvh, config.groups() * t, s);
        NDArray attn = probs.matMul(v).reshape(b, h, t, hd).transpose(0, 2, 1, 3).reshape(b, t, (long) h * hd);
        x = x.add(Linear.linear(attn, l.o(), l.oBias()).singletonOrThrow());

        // MLP: one projection for gate and up, SiLU(gate) * up, down.
        NDArray gu = Linear.linear(rmsNorm(x, l.postNorm()), l.gateUp(), l.gateUpBias()).singletonOrThrow();
        NDArray gate = gu.get(gateColumns);
        NDArray up = gu.get(upColumns);
        NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
        return x.add(Linear.linear(act, l.down(), l.downBias()).singletonOrThrow());
    }

    /** x*cos + rotate_half(x)*sin, with rotate_half's sign folded into the sine table. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        Shape shape = x.getShape();
        long half = shape.get(3) / 2;
        NDArray swapped = x.reshape(shape.get(0), shape.get(1), shape.get(2), 2, half).flip(3).reshape(shape);
        return x.mul(cos).add(swapped.mul(sin));
    }

    /** RMSNorm: x / sqrt(mean(x²) + eps) * w (fp32 path, as transformers computes it). */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        int last = x.getShape().dimension() - 1;
        if (dtype == DataType.FLOAT16) {
            // transformers squares in fp32; here x² would overflow fp16 above 256 and DJL's toType is not
            // differentiable. torch's norm accumulates fp16 in fp32, and one extra column of √eps makes it
            // sqrt(mean(x²) + eps) in one kernel, so an all-zero row (a zero pad embedding) gives 0, not NaN.
            long[] columnShape = x.getShape().getShape();
            columnShape[last] = 1;
            NDArray sqrtEps = x.getManager().full(new Shape(columnShape), sqrtEpsilon, DataType.FLOAT16);
            NDArray rms = x.mul(inverseSqrtWidth).concat(sqrtEps, last).norm(new int[] {last}, true);
            return x.div(rms).mul(weight);
        }
        NDArray ms = x.square().mean(new int[] {last}, true);
        return x.div(ms.add(epsilon).sqrt()).mul(weight);
    }

    @Override
    public void close() {
        manager.close();
    }
}
