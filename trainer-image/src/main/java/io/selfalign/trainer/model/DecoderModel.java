package io.selfalign.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The decoder of the Llama family and its relatives (Llama, Mistral, Qwen2 today) on DJL, written out in
 * one place, nanoGPT style: embedding → layers of {@link #attention attention} and {@link #mlp MLP}, each
 * behind an RMSNorm on a residual stream → final norm → head. What a family changes (biases, sliding
 * window, norm offset, activation, embedding scale, logit soft-cap, tensor names) comes from the config's
 * {@link Architecture}; parameter names and fused projections are described in {@link ParameterLayout}.
 *
 * <p>Usage:
 * <pre>{@code
 * DecoderModel m = Checkpoint.load(dir, Device.cpu(), DataType.FLOAT32);   // or DecoderModel.random(config, device, seed)
 * NDArray logits = m.forward(inputIds, attentionMask);                     // [B,T,V], any padding
 * m.setTrainable(true);                                                    // then forward inside a GradientCollector
 * for (NDArray p : m.trainableParameters()) { ... p.getGradient() ... }
 * }</pre>
 * Results are attached to the manager of the input ids: run each step in an {@code NDScope}.
 */
public final class DecoderModel implements AutoCloseable {

    private static final double INIT_STD = 0.02;
    // Bounds of the weight-first products, headFirst and layoutFor (see there for the measurements).
    static final long HEAD_FIRST_MIN_ROWS = 8;
    static final long COLUMNS_MIN_ROWS = 16;
    static final long WEIGHT_FIRST_MAX_ROWS = 256;
    static final long WEIGHT_FIRST_MIN_BYTES = 4L << 20;

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
    // The family's optional transforms, null when the family does not use them (no op, same numerics).
    private final NDArray normOffset;
    private final NDArray embeddingScale;
    private final NDArray logitSoftCap;
    private final NDArray embedTokens;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private final Layer[] layers;
    // Split points of the fused projections: one split op yields every part as a view (an NDIndex slice
    // costs one op per indexed axis, ':' included).
    private final long[] qkThenV;
    private final long[] qThenK;
    private final long[] gateThenUp;
    // Weights transposed once for inference (x·Wᵀ is then one op, not two), and norm weights and biases as
    // columns [n,1] for the COLUMNS layout; dropped whenever the weights or their gradient mode change, because
    // a view made outside a GradientCollector carries no gradient.
    private final Map<NDArray, NDArray> inferenceViews = new IdentityHashMap<>();
    // Bytes of the largest layer weight, which decides the stream's layout of a decode step.
    private final long largestLayerWeightBytes;
    private boolean trainable;
    // LoRA adapters on the projections (null: none); while adaptersOff the forward is the base model's.
    private LoraAdapters adapters;
    private boolean adaptersOff;

    /** One decoder layer's parameters (fused projections; biases may be null). */
    private record Layer(NDArray inputNorm, NDArray qkv, NDArray qkvBias, NDArray o, NDArray oBias,
                         NDArray postAttentionNorm, NDArray gateUp, NDArray gateUpBias, NDArray down, NDArray downBias) {
    }

    DecoderModel(ModelConfig config, NDManager manager, Map<String, NDArray> parameters,
                 Map<String, String> storedDtypes, Path sourceDir) {
        this.config = config;
        this.manager = manager;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.storedDtypes = Map.copyOf(storedDtypes);
        this.sourceDir = sourceDir;
        this.rotary = new RotaryEmbedding(config);
        this.embedTokens = param(ParameterLayout.EMBED_TOKENS);
        this.dtype = embedTokens.getDataType();
        this.finalNorm = param(ParameterLayout.FINAL_NORM);
        this.lmHead = config.tieWordEmbeddings() ? embedTokens : param(ParameterLayout.LM_HEAD);
        this.layers = new Layer[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new Layer(param(layer(i, ParameterLayout.INPUT_NORM)),
                    param(layer(i, ParameterLayout.QKV_WEIGHT)), parameters.get(layer(i, ParameterLayout.QKV_BIAS)),
                    param(layer(i, ParameterLayout.O_WEIGHT)), parameters.get(layer(i, ParameterLayout.O_BIAS)),
                    param(layer(i, ParameterLayout.POST_ATTENTION_NORM)),
                    param(layer(i, ParameterLayout.GATE_UP_WEIGHT)), parameters.get(layer(i, ParameterLayout.GATE_UP_BIAS)),
                    param(layer(i, ParameterLayout.DOWN_WEIGHT)), parameters.get(layer(i, ParameterLayout.DOWN_BIAS)));
        }
        this.largestLayerWeightBytes = Arrays.stream(layers)
                .flatMap(l -> Stream.of(l.qkv(), l.o(), l.gateUp(), l.down()))
                .mapToLong(DecoderModel::bytes).max().orElse(0);
        int h = config.numHeads();
        int kvh = config.numKvHeads();
        this.qkThenV = new long[] {h + kvh};
        this.qThenK = new long[] {h};
        this.gateThenUp = new long[] {config.intermediateSize()};
        // Scalars are created once: a scalar argument costs a fresh tensor per op in DJL.
        this.attentionScale = scalar((float) (1.0 / Math.sqrt(config.headDim())));
        // Finite (fp16-safe) so that a fully masked row (left padding) stays finite instead of NaN.
        this.maskedOut = scalar(dtype == DataType.FLOAT16 ? -30000f : -1e30f);
        this.epsilon = scalar((float) config.rmsNormEps());
        this.inverseSqrtWidth = scalar((float) (1.0 / Math.sqrt(config.hiddenSize())));
        this.sqrtEpsilon = (float) Math.sqrt(config.rmsNormEps());
        Architecture arch = config.architecture();
        this.normOffset = arch.normOffset() == 0 ? null : scalar(arch.normOffset());
        this.embeddingScale = arch.scaleEmbeddings() ? scalar((float) Math.sqrt(config.hiddenSize())) : null;
        this.logitSoftCap = arch.logitSoftCap() == 0 ? null : scalar(arch.logitSoftCap());
    }

    private NDArray scalar(float value) {
        return manager.create(value).toType(dtype, false);
    }

    private static String layer(int index, String parameter) {
        return ParameterLayout.layer(index, parameter);
    }

    private NDArray param(String name) {
        NDArray a = parameters.get(name);
        if (a == null) {
            throw new IllegalStateException("parameter " + name + " missing");
        }
        return a;
    }

    /**
     * A fresh model with transformers' Llama initialisation (normal(0, 0.02) weights, unit norm scales, zero
     * biases), reproducible for a seed. Its own NDManager is closed by {@link #close()}.
     */
    public static DecoderModel random(ModelConfig config, Device device, DataType dtype, long seed) {
        NDManager manager = NDManager.newBaseManager(device);
        Random rng = new Random(seed);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (ParameterLayout.ParameterSpec spec : ParameterLayout.of(config)) {
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
        return new DecoderModel(config, manager, params, Map.of(), null);
    }

    public static DecoderModel random(ModelConfig config, Device device, long seed) {
        return random(config, device, DataType.FLOAT32, seed);
    }

    /** A deep copy of the weights (e.g. a frozen reference model), optionally in another dtype; LoRA adapters are not copied. */
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
        dropInferenceViews();
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

    /** Parameters by name, in checkpoint order (names and fused projections as in {@link ParameterLayout}). */
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
        dropInferenceViews();
    }

    /** The parameters an optimizer updates, empty unless {@link #setTrainable(boolean) trainable}. */
    public List<NDArray> trainableParameters() {
        return trainable ? List.copyOf(parameters.values()) : List.of();
    }

    /** The attached LoRA adapters, or null. */
    public LoraAdapters adapters() {
        return adapters;
    }

    void attachAdapters(LoraAdapters a) {
        if (adapters != null) throw new IllegalStateException("the model already has LoRA adapters");
        adapters = a;
    }

    /**
     * Adds the adapters into the weights they adapt (W += (alpha / r)·B·A) and detaches and frees them: the
     * model then computes what it computed with them, as a plain checkpoint.
     */
    public void mergeAdapters() {
        if (adapters == null) throw new IllegalStateException("the model has no LoRA adapters");
        adapters.mergeInto(parameters);
        adapters.close();
        adapters = null;
        dropInferenceViews();
    }

    /**
     * Runs {@code work} on the model without its LoRA adapters, i.e. the frozen base: the training reference
     * of a LoRA round, with no second copy of the weights.
     */
    public <T> T withoutAdapters(Supplier<T> work) {
        adaptersOff = true;
        try {
            return work.get();
        } finally {
            adaptersOff = false;
        }
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
        // Positions as [B,1,T]: the looked-up rows come out as [B,1,T,hd], broadcast over the heads (one op, not two).
        NDArray headless = positionIds.reshape(inputIds.getShape().get(0), 1, t);
        NDArray cos = Embedding.embedding(headless, rope[0], SparseFormat.DENSE).singletonOrThrow();
        NDArray sin = Embedding.embedding(headless, rope[1], SparseFormat.DENSE).singletonOrThrow();
        NDArray bias = attentionBias(keyMask, past, t);
        if (config.groups() > 1 && t > 1) {
            // Rows of the grouped scores [B, kvHeads, g × T, S] are group-major: repeat the T rows g times once
            // here rather than reshaping the scores in every layer.
            bias = bias.tile(new long[] {1, 1, config.groups(), 1});
        }
        NDArray x = Embedding.embedding(inputIds, embedTokens, SparseFormat.DENSE).singletonOrThrow();
        if (embeddingScale != null) {
            x = x.mul(embeddingScale);
        }
        StreamLayout layout = layoutFor(inputIds.getShape().get(0), t);
        x = layout.fromRows(x);
        for (int i = 0; i < layers.length; i++) {
            NDArray next = layer(i, layout, x, cos, sin, bias, cache, past);
            // The previous residual stream is no longer needed by this code; autograd holds its own reference
            // when the backward pass needs it. (The first one is the embedding's, owned by the caller's scope.)
            if (i > 0) {
                x.close();
            }
            x = next;
        }
        NDScope.register(x);
        if (cache != null) {
            cache.advance(t);
        }
        return layout.toRows(rmsNorm(layout, x, finalNorm));
    }

    /**
     * One decoder layer on the residual stream x; returns the new stream outside any scope (the caller closes
     * it). The attention's and the MLP's intermediates each live in a scope of their own, so inference holds
     * one block's activations at a time instead of every layer's until the caller's scope ends (what autograd
     * saves for backward stays).
     */
    private NDArray layer(int i, StreamLayout layout, NDArray x, NDArray cos, NDArray sin, NDArray bias, KvCache cache,
                          int past) {
        Layer l = layers[i];
        NDArray h;
        try (NDScope scope = new NDScope()) {
            // In place on the projection's output (linear's backward does not need it); x + a == a + x exactly.
            h = attention(l, layout, rmsNorm(layout, x, l.inputNorm()), cos, sin, bias, cache, i, past).addi(x);
            NDScope.unregister(h);
        }
        try (NDScope scope = new NDScope(); NDArray stream = h) {
            NDArray out = mlp(l, layout, i, rmsNorm(layout, stream, l.postAttentionNorm())).addi(stream);
            NDScope.unregister(out);
            return out;
        }
    }

    /** Logits [B,T,V] of final-norm hidden states (soft-capped when the family caps them). */
    public NDArray logits(NDArray hidden) {
        return softCapped(project(StreamLayout.ROWS, hidden, lmHead, null));
    }

    /**
     * Logits [B,V] of each row's last hidden state [B,D] for choosing its next token: the same values as
     * {@link #logits}, possibly as a transposed view (see {@link #headFirst}).
     */
    public NDArray nextTokenLogits(NDArray lastHidden) {
        // (W·hᵀ)ᵀ is a transposed view of the same values: no copy.
        return headFirst(lastHidden) ? softCapped(lmHead.matMul(lastHidden.transpose()).transpose()) : logits(lastHidden);
    }

    private NDArray softCapped(NDArray logits) {
        return logitSoftCap == null ? logits : logits.div(logitSoftCap).tanh().mul(logitSoftCap);
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

    /**
     * Self-attention of one layer on its normed input (in the stream's layout): one projection for q, k and v, q
     * and k rotated together, grouped-query attention; returns the output projection to add to the stream.
     */
    private NDArray attention(Layer l, StreamLayout layout, NDArray normed, NDArray cos, NDArray sin, NDArray bias,
                              KvCache cache, int layer, int past) {
        int h = config.numHeads();
        int kvh = config.numKvHeads();
        int hd = config.headDim();
        NDArray projected = adapted(layer, LoraAdapters.Projection.QKV, normed,
                project(layout, normed, l.qkv(), l.qkvBias()));
        NDArray heads = layout.heads(projected, h + 2L * kvh, hd);
        long b = heads.getShape().get(0);
        long t = heads.getShape().get(2);
        NDList qkv = heads.split(qkThenV, 1);
        NDList qk = rotate(qkv.get(0), cos, sin).split(qThenK, 1);
        NDArray q = qk.get(0).mul(attentionScale);
        NDArray k = qk.get(1);
        NDArray v = qkv.get(1);
        if (cache != null) {
            NDList cached = cache.append(layer, k.concat(v, 1), past);
            k = cached.get(0);
            v = cached.get(1);
        }
        NDArray attended = t == 1 && !manager.getDevice().isGpu()
                ? singleQueryAttention(q.reshape(b, kvh, config.groups(), 1, hd), k, v, bias)
                // Grouped-query attention without copying k/v: the g query heads of one kv head share a matmul,
                // and the bias already has their g × T rows.
                : q.reshape(b, kvh, config.groups() * t, hd).matMul(k.transpose(0, 1, 3, 2)).addi(bias).softmax(3).matMul(v);
        NDArray attn = layout.stream(attended.reshape(b, h, t, hd));
        return adapted(layer, LoraAdapters.Projection.O, attn, project(layout, attn, l.o(), l.oBias()));
    }

    /**
     * Attention of one new token per row on a CPU, as products and sums: q [B, kvHeads, g, 1, hd] against keys and
     * values [B, kvHeads, S, hd] gives [B, kvHeads, g, hd]. A batched matmul here is B × kvHeads sgemm calls of
     * one row each, whose per-call cost dominates: 25M config at batch 32, 50 cached tokens, both products and
     * the softmax 2.7 → 2.0 ms a layer (75 tokens: 3.9 → 2.5 ms; 1 row: level).
     */
    private static NDArray singleQueryAttention(NDArray q, NDArray k, NDArray v, NDArray bias) {
        // bias [B,1,1,S] broadcasts over the kv heads and the g query heads.
        NDArray weights = q.mul(k.expandDims(2)).sum(new int[] {4}).addi(bias).softmax(3);
        return weights.expandDims(4).mul(v.expandDims(2)).sum(new int[] {3});
    }

    /** The gated MLP of one layer on its normed input: one projection for gate and up, act(gate) * up, down. */
    private NDArray mlp(Layer l, StreamLayout layout, int layer, NDArray normed) {
        NDArray gateUp = adapted(layer, LoraAdapters.Projection.GATE_UP, normed,
                project(layout, normed, l.gateUp(), l.gateUpBias()));
        NDList gu = gateUp.split(gateThenUp, layout.featureAxis(gateUp));
        NDArray act = config.architecture().activation().apply(gu.get(0)).mul(gu.get(1));
        return adapted(layer, LoraAdapters.Projection.DOWN, act, project(layout, act, l.down(), l.downBias()));
    }

    /** A projection's output y of input x plus what the LoRA adapters add to it, if any are on. */
    private NDArray adapted(int layer, LoraAdapters.Projection p, NDArray x, NDArray y) {
        if (adapters == null || adaptersOff) return y;
        NDArray delta = adapters.delta(layer, p, x);
        return delta == null ? y : y.add(delta);
    }

    /**
     * A weight stored (out, in) applied to the stream (+ bias): x·Wᵀ in ROWS, as Linear.linear computes it
     * (transpose, then matmul), W·x in COLUMNS.
     */
    private NDArray project(StreamLayout layout, NDArray x, NDArray weight, NDArray bias) {
        if (trainable) {
            return Linear.linear(x, weight, bias).singletonOrThrow();
        }
        NDArray y = layout == StreamLayout.COLUMNS ? weight.matMul(x) : x.matMul(inferenceView(weight));
        return bias == null ? y : y.add(layout == StreamLayout.COLUMNS ? inferenceView(bias) : bias);
    }

    /** A parameter's view for inference, made once: a matrix transposed, a vector as a column [n,1]. */
    private NDArray inferenceView(NDArray parameter) {
        return inferenceViews.computeIfAbsent(parameter, p -> {
            NDArray view = p.getShape().dimension() == 1 ? p.reshape(-1, 1) : p.transpose();
            NDScope.unregister(view);
            return view;
        });
    }

    /**
     * Whether to compute the head's x·Wᵀ as (W·xᵀ)ᵀ when choosing next tokens: at inference on a CPU, for a few
     * rows against a head too large for the caches. In the x·Wᵀ order MKL's sgemm repacks the streamed weight
     * on every call (perf, 25M config at a 32k vocabulary, batch 32: more time in packing than in the
     * multiply); with W first it does not. Measured on 2 cores (medians of interleaved calls, 32 rows): the
     * 32000×512 head 38.0 → 25.6 ms, 32000×256 20.4 → 15.7 ms; one row (a matrix-vector product) 11.3 → 12.3
     * ms, 512 rows level. Only for sampling: scoring's log-softmax over the transposed logits cost more than
     * the product saved (a 3M round's judging at 32k: 1,362–1,598 → 945–976 tokens/s). For the layers'
     * projections, the same order taken product by product (transposing each output back) was faster alone
     * for the 25M config's 2816×512 gate/up weight (3.58 → 2.71 ms) but made whole decode steps slower (488–512
     * → 357–390 tokens/s at a 512 vocabulary); {@link #layoutFor} keeps the stream transposed instead. On a GPU
     * the plain product is one op and no faster the other way round.
     */
    private boolean headFirst(NDArray lastHidden) {
        return weightFirst(lastHidden.getShape().get(0), HEAD_FIRST_MIN_ROWS, bytes(lmHead));
    }

    /**
     * The stream's layout for a forward of {@code rows} sequences × {@code t} new tokens: COLUMNS for a
     * single decode step at inference on a CPU, 16–256 rows, a layer weight of 4 MiB or more and no LoRA
     * adapter on; ROWS otherwise. Measured on 2 cores for a whole 8-layer step of the 25M config (d 512, FFN
     * 1408: gate/up 5.8 MB; medians of 30 interleaved steps, three runs): 32 rows 1.14–1.27× faster than ROWS at
     * a 32k vocabulary and 1.17–1.37× at 512, 16 rows 1.12×, 8 rows 0.94× (slower); 1 thread, 32 rows 1.06–1.09×.
     * The 3M config (gate/up 1.4 MB) is level at 16–32 rows and slower at 8, hence the bounds. What the
     * projection-by-projection trial above lost, a layout kept through the whole step does not: no transposed
     * output is copied between ops.
     */
    private StreamLayout layoutFor(long rows, long t) {
        boolean columns = t == 1 && (adapters == null || adaptersOff)
                && weightFirst(rows, COLUMNS_MIN_ROWS, largestLayerWeightBytes);
        return columns ? StreamLayout.COLUMNS : StreamLayout.ROWS;
    }

    /** Inference on a CPU with {@code minRows}–256 rows against a weight of 4 MiB or more: the weight goes first. */
    private boolean weightFirst(long rows, long minRows, long weightBytes) {
        return !trainable && !manager.getDevice().isGpu() && rows >= minRows && rows <= WEIGHT_FIRST_MAX_ROWS
                && weightBytes >= WEIGHT_FIRST_MIN_BYTES;
    }

    private static long bytes(NDArray weight) {
        return weight.getShape().size() * weight.getDataType().getNumOfBytes();
    }

    private void dropInferenceViews() {
        inferenceViews.values().forEach(NDArray::close);
        inferenceViews.clear();
    }

    /**
     * x*cos + rotate_half(x)*sin, with rotate_half's sign folded into the sine table. Its temporaries (each the
     * size of q and k) are freed on return; the sum is taken in place (mul's backward needs only its inputs).
     */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDArray rotated;
        try (NDScope scope = new NDScope()) {
            Shape shape = x.getShape();
            long half = shape.get(3) / 2;
            NDArray swapped = x.reshape(shape.get(0), shape.get(1), shape.get(2), 2, half).flip(3).reshape(shape);
            rotated = x.mul(cos).addi(swapped.mul(sin));
            NDScope.unregister(rotated);
        }
        NDScope.register(rotated);
        return rotated;
    }

    /** RMSNorm: x / sqrt(mean(x²) + eps) * (offset + w) (fp32 path, as transformers computes it). */
    private NDArray rmsNorm(StreamLayout layout, NDArray x, NDArray storedWeight) {
        NDArray weight = normOffset == null ? storedWeight : storedWeight.add(normOffset);
        if (layout == StreamLayout.COLUMNS) {
            weight = normOffset == null ? inferenceView(weight) : weight.reshape(-1, 1);
        }
        int features = layout.featureAxis(x);
        if (dtype == DataType.FLOAT16) {
            // transformers squares in fp32; here x² would overflow fp16 above 256 and DJL's toType is not
            // differentiable. torch's norm accumulates fp16 in fp32, and one extra column of √eps makes it
            // sqrt(mean(x²) + eps) in one kernel, so an all-zero row (a zero pad embedding) gives 0, not NaN.
            long[] columnShape = x.getShape().getShape();
            columnShape[features] = 1;
            NDArray sqrtEps = x.getManager().full(new Shape(columnShape), sqrtEpsilon, DataType.FLOAT16);
            NDArray rms = x.mul(inverseSqrtWidth).concat(sqrtEps, features).norm(new int[] {features}, true);
            return x.div(rms).mul(weight);
        }
        NDArray ms = x.square().mean(new int[] {features}, true);
        return x.div(ms.add(epsilon).sqrt()).mul(weight);
    }

    @Override
    public void close() {
        manager.close();
    }
}
