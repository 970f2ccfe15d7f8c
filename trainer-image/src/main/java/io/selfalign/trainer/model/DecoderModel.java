package io.selfalign.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The decoder of the Llama family and its relatives (Llama, Mistral, Qwen2 today) on DJL, written out in
 * one place, nanoGPT style: embedding → layers of {@link #attention attention} and {@link #mlp MLP}, each
 * behind an RMSNorm on a residual stream → final norm → head. What a family changes (biases, sliding
 * window, norm offset, activation, embedding scale, logit soft-cap, tensor names) comes from the config's
 * {@link Architecture}; parameter names and fused projections are described in {@link ParameterLayout}.
 * How the math runs on the device (stream layout, product order, attention kernel) is the {@link InferencePlan}'s.
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

    private final ModelConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final Map<String, String> storedDtypes;
    private final Path sourceDir;
    private final RotaryEmbedding rotary;
    private final InferencePlan plan;
    private final CausalMask causalMask;
    private final RmsNorm rmsNorm;
    private final DataType dtype;
    private final NDArray attentionScale;
    // The family's optional transforms, null when the family does not use them (no op, same numerics).
    private final NDArray embeddingScale;
    private final NDArray logitSoftCap;
    private final NDArray embedTokens;
    private final NDArray norm;
    // The head: the LM head, or a token classifier's score weight [labels, D] with its bias (null for an LM head).
    private final NDArray lmHead;
    private final NDArray headBias;
    private final DecoderLayer[] layers;
    // Split points of the fused projections: one split op yields every part as a view (an NDIndex slice
    // costs one op per indexed axis, ':' included).
    private final long[] qkThenV;
    private final long[] qThenK;
    private final long[] gateThenUp;
    // LoRA adapters on the projections (null: none); while adaptersOff the forward is the base model's.
    private LoraAdapters adapters;
    private boolean adaptersOff;

    /** What every layer of one forward shares: the plan's choices, rotary rows, attention bias and the cache. */
    private record Pass(StreamLayout layout, AttentionKernel kernel, NDArray cos, NDArray sin, NDArray bias,
                        KvCache cache, int past) {
    }

    DecoderModel(ModelConfig config, NDManager manager, Map<String, NDArray> parameters,
                 Map<String, String> storedDtypes, Path sourceDir) {
        this.config = config;
        this.manager = manager;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.storedDtypes = Map.copyOf(storedDtypes);
        this.sourceDir = sourceDir;
        this.rotary = new RotaryEmbedding(config);
        this.embedTokens = ParameterLayout.required(parameters, ParameterLayout.EMBED_TOKENS);
        this.dtype = embedTokens.getDataType();
        this.norm = ParameterLayout.required(parameters, ParameterLayout.FINAL_NORM);
        if (config.tokenClassifier()) {
            this.lmHead = ParameterLayout.required(parameters, ParameterLayout.SCORE_WEIGHT);
            this.headBias = ParameterLayout.required(parameters, ParameterLayout.SCORE_BIAS);
        } else {
            this.lmHead = config.tieWordEmbeddings() ? embedTokens : ParameterLayout.required(parameters, ParameterLayout.LM_HEAD);
            this.headBias = null;
        }
        this.layers = IntStream.range(0, config.numLayers()).mapToObj(i -> DecoderLayer.of(parameters, i))
                .toArray(DecoderLayer[]::new);
        this.plan = new InferencePlan(manager.getDevice(), lmHead, Arrays.stream(layers).flatMap(DecoderLayer::weights));
        this.qkThenV = new long[] {config.numHeads() + config.numKvHeads()};
        this.qThenK = new long[] {config.numHeads()};
        this.gateThenUp = new long[] {config.intermediateSize()};
        // Scalars are created once: a scalar argument costs a fresh tensor per op in DJL.
        this.attentionScale = scalar((float) (1.0 / Math.sqrt(config.headDim())));
        this.causalMask = new CausalMask(config.slidingWindow(), manager, dtype);
        this.rmsNorm = new RmsNorm(config, manager, dtype, plan);
        Architecture arch = config.architecture();
        this.embeddingScale = arch.scaleEmbeddings() ? scalar((float) Math.sqrt(config.hiddenSize())) : null;
        // transformers caps the LM's logits only, not a token classifier's scores.
        this.logitSoftCap = arch.logitSoftCap() == 0 || config.tokenClassifier() ? null : scalar(arch.logitSoftCap());
    }

    private NDArray scalar(float value) {
        return manager.create(value).toType(dtype, false);
    }

    /**
     * A fresh model with transformers' Llama initialisation (normal(0, 0.02) weights, unit norm scales, zero
     * biases), reproducible for a seed. Its own NDManager is closed by {@link #close()}.
     */
    public static DecoderModel random(ModelConfig config, Device device, DataType dtype, long seed) {
        NDManager manager = NDManager.newBaseManager(device);
        return new DecoderModel(config, manager, ParameterLayout.initialised(config, manager, dtype, seed), Map.of(), null);
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

    /**
     * A token classifier ({@code <Family>ForTokenClassification}) with this model's decoder, copied, and a fresh head of
     * {@code labels} outputs per position (zero, {@link ParameterLayout}); saved with its own config.json and this model's
     * tokenizer files. The guidance model starts so from the policy (docs/algorithm.md §6).
     */
    public DecoderModel tokenClassifier(int labels) {
        if (adapters != null) throw new IllegalStateException("merge the LoRA adapters first");
        ModelConfig classifier = config.withLabels(labels);
        NDManager m = NDManager.newBaseManager(manager.getDevice());
        Map<String, NDArray> params = new LinkedHashMap<>();
        Map<String, NDArray> fresh = ParameterLayout.initialised(classifier, m, dtype, 0);
        for (ParameterLayout.ParameterSpec spec : ParameterLayout.of(classifier)) {
            NDArray own = parameters.get(spec.name());
            params.put(spec.name(), own != null ? own.duplicate().toDevice(m.getDevice(), false) : fresh.get(spec.name()));
        }
        params.values().forEach(a -> a.attach(m));
        fresh.forEach((name, a) -> {
            if (params.get(name) != a) a.close();
        });
        // The decoder's tensors keep the dtype they were stored in; the new head is saved as F32 (or F16 on F16 weights).
        Map<String, String> dtypes = new LinkedHashMap<>(storedDtypes);
        dtypes.keySet().removeIf(name -> !name.startsWith("model."));
        return new DecoderModel(classifier, m, params, dtypes, sourceDir);
    }

    /** Overwrites this model's weights with {@code other}'s (same config), e.g. fp32 master → fp16 working copy. */
    public void copyWeightsFrom(DecoderModel other) {
        plan.dropViews();
        parameters.forEach((name, a) -> {
            try (NDArray converted = other.parameters.get(name).toType(a.getDataType(), true)) {
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

    /**
     * Chooses stream layouts, product orders and attention kernels as on {@code device} (a GPU's plan on a CPU, say)
     * while computing on this model's own device: the same math by another path. {@code bench model} counts with it the
     * engine ops a GPU's decode step dispatches; tests run the GPU's path where no GPU is.
     */
    public void planAsOn(Device device) {
        plan.planAsOn(device);
    }

    /** Marks every parameter as requiring a gradient (or not); gradients are recorded only inside a GradientCollector. */
    public void setTrainable(boolean on) {
        parameters.values().forEach(p -> p.setRequiresGradient(on));
        plan.setTraining(on);
    }

    /** The parameters an optimizer updates, empty unless {@link #setTrainable(boolean) trainable}. */
    public List<NDArray> trainableParameters() {
        return plan.training() ? List.copyOf(parameters.values()) : List.of();
    }

    /** The attached LoRA adapters, or null. */
    public LoraAdapters adapters() {
        return adapters;
    }

    void attachAdapters(LoraAdapters a) {
        if (adapters != null) throw new IllegalStateException("the model already has LoRA adapters");
        adapters = a;
    }

    /** Adds the adapters into the weights they adapt (W += (alpha / r)·B·A) and frees them: a plain checkpoint, same outputs. */
    public void mergeAdapters() {
        if (adapters == null) throw new IllegalStateException("the model has no LoRA adapters");
        adapters.mergeInto(parameters);
        adapters.close();
        adapters = null;
        plan.dropViews();
    }

    /** Runs {@code work} without the LoRA adapters, i.e. on the frozen base: a LoRA round's reference, no second copy. */
    public <T> T withoutAdapters(Supplier<T> work) {
        adaptersOff = true;
        try {
            return work.get();
        } finally {
            adaptersOff = false;
        }
    }

    private boolean adapted() {
        return adapters != null && !adaptersOff;
    }

    /**
     * Logits [B,T,V] for a padded batch. {@code attentionMask} [B,T] is 1 for real tokens; padding may be on
     * the right (training) or the left (generation). Positions count from each row's first real token.
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask) {
        return logits(hiddenStates(inputIds, positionsFromMask(attentionMask), attentionMask, null));
    }

    /** Position of each token: its index counted from the row's first real token (0 on left padding). */
    public static NDArray positionsFromMask(NDArray attentionMask) {
        long t = attentionMask.getShape().get(1);
        NDArray leftPad = attentionMask.toType(DataType.INT64, false).argMax(1).reshape(-1, 1);
        NDArray cols = attentionMask.getManager().arange(0, (int) t, 1, DataType.INT64).reshape(1, t);
        return cols.sub(leftPad).maximum(0);
    }

    /**
     * Final-norm hidden states [B,T,D] of new tokens {@code inputIds} [B,T] at {@code positionIds} [B,T];
     * {@code keyMask} [B, cached + T] marks the real tokens among cached and new ones, and a cache gets the new
     * keys and values. {@link #logits(NDArray)} projects the states to the vocabulary.
     */
    public NDArray hiddenStates(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
        int t = (int) inputIds.getShape().get(1);
        int past = cache == null ? 0 : cache.roomFor(t);
        NDArray[] rope = rotary.at(manager, positionIds, past + t, dtype);
        AttentionKernel kernel = plan.attention(t);
        NDArray bias = kernel.bias(causalMask.bias(keyMask, past, t), config.groups());
        Pass pass = new Pass(plan.layout(inputIds.getShape().get(0), t, adapted()), kernel, rope[0], rope[1], bias, cache, past);
        NDArray x = Embedding.embedding(inputIds, embedTokens, SparseFormat.DENSE).singletonOrThrow();
        if (embeddingScale != null) x = x.mul(embeddingScale);
        x = pass.layout().fromRows(x);
        for (int i = 0; i < layers.length; i++) {
            NDArray next = layer(i, pass, x);
            // The previous residual stream is no longer needed by this code; autograd holds its own reference
            // when the backward pass needs it. (The first one is the embedding's, owned by the caller's scope.)
            if (i > 0) x.close();
            x = next;
        }
        NDScope.register(x);
        if (cache != null) cache.advance(t);
        return pass.layout().toRows(rmsNorm.apply(pass.layout(), x, norm));
    }

    /**
     * One decoder layer on the residual stream x; returns the new stream outside any scope (the caller closes
     * it). The attention's and the MLP's intermediates each live in a scope of their own, so inference holds
     * one block's activations at a time (what autograd saves for backward stays).
     */
    private NDArray layer(int i, Pass pass, NDArray x) {
        DecoderLayer l = layers[i];
        NDArray h;
        try (NDScope scope = new NDScope()) {
            // In place on the projection's output (linear's backward does not need it); x + a == a + x exactly.
            h = attention(i, pass, rmsNorm.apply(pass.layout(), x, l.inputLayernorm())).addi(x);
            NDScope.unregister(h);
        }
        try (NDScope scope = new NDScope(); NDArray stream = h) {
            NDArray out = mlp(i, pass.layout(), rmsNorm.apply(pass.layout(), stream, l.postAttentionLayernorm())).addi(stream);
            NDScope.unregister(out);
            return out;
        }
    }

    /**
     * Logits [B,T,V] of final-norm hidden states (soft-capped when the family caps them); a token classifier's scores
     * [B,T,labels] (its head's weight and bias).
     */
    public NDArray logits(NDArray hidden) {
        return softCapped(plan.project(StreamLayout.ROWS, hidden, lmHead, headBias));
    }

    /** Logits [B,V] of each row's last hidden state [B,D] for choosing its next token: {@link #logits}' values. */
    public NDArray nextTokenLogits(NDArray lastHidden) {
        // (W·hᵀ)ᵀ is a transposed view of the same values: no copy.
        return plan.headFirst(lastHidden.getShape().get(0))
                ? softCapped(lmHead.matMul(lastHidden.transpose()).transpose()) : logits(lastHidden);
    }

    private NDArray softCapped(NDArray logits) {
        return logitSoftCap == null ? logits : logits.div(logitSoftCap).tanh().mul(logitSoftCap);
    }

    /**
     * Self-attention of layer i on its normed input: one projection for q, k and v, q and k rotated together,
     * grouped-query attention by the pass's kernel; returns the output projection to add to the stream.
     */
    private NDArray attention(int i, Pass pass, NDArray normed) {
        DecoderLayer l = layers[i];
        StreamLayout layout = pass.layout();
        int h = config.numHeads();
        int hd = config.headDim();
        NDArray qkvProj = linear(i, LoraAdapters.Projection.QKV, layout, normed, l.qkvProj(), l.qkvBias());
        NDArray heads = layout.heads(qkvProj, h + 2L * config.numKvHeads(), hd);
        long b = heads.getShape().get(0);
        long t = heads.getShape().get(2);
        NDList qkv = heads.split(qkThenV, 1);
        NDList qk = RotaryEmbedding.rotate(qkv.get(0), pass.cos(), pass.sin()).split(qThenK, 1);
        NDArray q = qk.get(0).mul(attentionScale);
        NDArray k = qk.get(1);
        NDArray v = qkv.get(1);
        if (pass.cache() != null) {
            NDList cached = pass.cache().append(i, k.concat(v, 1), pass.past());
            k = cached.get(0);
            v = cached.get(1);
        }
        NDArray attn = layout.stream(pass.kernel().attend(q, k, v, pass.bias(), config.groups()).reshape(b, h, t, hd));
        return linear(i, LoraAdapters.Projection.O, layout, attn, l.oProj(), l.oBias());
    }

    /** The gated MLP of layer i on its normed input: one projection for gate and up, act(gate) * up, down. */
    private NDArray mlp(int i, StreamLayout layout, NDArray normed) {
        DecoderLayer l = layers[i];
        NDArray gateUp = linear(i, LoraAdapters.Projection.GATE_UP, layout, normed, l.gateUpProj(), l.gateUpBias());
        NDList gu = gateUp.split(gateThenUp, layout.featureAxis(gateUp));
        NDArray act = config.architecture().activation().apply(gu.get(0)).mul(gu.get(1));
        return linear(i, LoraAdapters.Projection.DOWN, layout, act, l.downProj(), l.downBias());
    }

    /** Projection p of a layer (weight stored (out, in), + bias) on x, plus what its LoRA adapter adds, if one is on. */
    private NDArray linear(int layer, LoraAdapters.Projection p, StreamLayout layout, NDArray x, NDArray weight, NDArray bias) {
        NDArray y = plan.project(layout, x, weight, bias);
        NDArray delta = adapted() ? adapters.delta(layer, p, x) : null;
        return delta == null ? y : y.add(delta);
    }

    @Override
    public void close() {
        manager.close();
    }
}
