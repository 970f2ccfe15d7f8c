package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * LoRA adapters on a {@link DecoderModel}'s projections, as PEFT defines them: a targeted module with weight
 * W (out × in) computes {@code x·Wᵀ + (alpha / r) · dropout(x)·Aᵀ·Bᵀ}, A (r × in) Kaiming-uniform
 * (PEFT's {@code kaiming_uniform_(a=√5)}: U(±1/√in)), B (out × r) zero, so a fresh adapter changes nothing.
 *
 * <p>The model fuses q/k/v and gate/up into one weight each; the adapters stay per module (PEFT's layout) and
 * their outputs are joined in the fused projection's row order (zeros for an untargeted part), then added to
 * the fused output. The base weights are never unfused or copied. Tensors are named as PEFT saves them
 * ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}), in checkpoint order.
 *
 * <pre>{@code
 * LoraAdapters a = LoraAdapters.attach(model, 16, 32, 0.05, List.of("q_proj", "v_proj"), seed);
 * a.setTrainable(true);             // train a.parameters(); the base weights get no gradient
 * model.mergeAdapters();            // W += (alpha / r)·B·A, adapters detached
 * }</pre>
 */
public final class LoraAdapters implements AutoCloseable {
    /** The prefix PEFT puts before a module's name in an adapter file. */
    static final String PEFT_PREFIX = "base_model.model.";

    /** The projections of a layer that can carry adapters, by their (fused) parameter. */
    enum Projection {
        QKV(ParameterLayout.QKV_WEIGHT), O(ParameterLayout.O_WEIGHT), GATE_UP(ParameterLayout.GATE_UP_WEIGHT),
        DOWN(ParameterLayout.DOWN_WEIGHT);

        final String parameter;

        Projection(String parameter) {
            this.parameter = parameter;
        }
    }

    /** One module's adapter: its checkpoint module name and the rows of the fused weight it adapts. */
    record Adapter(String module, long rowOffset, long rows, NDArray a, NDArray b) {
    }

    /** The parts of one fused projection, in row order; a part without an adapter is null. */
    private record Target(long[] partRows, Adapter[] adapters) {
    }

    private final NDManager manager;
    private final int rank;
    private final double alpha;
    private final double dropout;
    private final List<String> targetModules;
    private final Target[][] targets;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final NDArray scaling;
    private boolean trainable;

    private LoraAdapters(DecoderModel model, int rank, double alpha, double dropout, List<String> targetModules, long seed) {
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        this.manager = model.manager().newSubManager();
        this.rank = rank;
        this.alpha = alpha;
        this.dropout = dropout;
        this.targetModules = List.copyOf(targetModules);
        this.scaling = manager.create((float) (alpha / rank)).toType(model.dataType(), false);
        ModelConfig c = model.config();
        this.targets = new Target[c.numLayers()][Projection.values().length];
        Map<String, ParameterLayout.ParameterSpec> specs = new LinkedHashMap<>();
        ParameterLayout.of(c).forEach(s -> specs.put(s.name(), s));
        Random rng = new Random(seed);
        boolean any = false;
        for (int i = 0; i < c.numLayers(); i++) {
            for (Projection p : Projection.values()) {
                ParameterLayout.ParameterSpec spec = specs.get(ParameterLayout.layer(i, p.parameter));
                long in = spec.shape().get(1);
                long[] partRows = new long[spec.parts().size()];
                Adapter[] adapters = new Adapter[partRows.length];
                long row = 0;
                for (int k = 0; k < partRows.length; k++) {
                    ParameterLayout.Part part = spec.parts().get(k);
                    partRows[k] = part.rows();
                    String module = module(part);
                    if (targeted(module, this.targetModules)) {
                        adapters[k] = new Adapter(module, row, part.rows(),
                                kaimingUniform(rng, rank, in, model.dataType()), manager.zeros(new Shape(part.rows(), rank), model.dataType()));
                        parameters.put(PEFT_PREFIX + module + ".lora_A.weight", adapters[k].a());
                        parameters.put(PEFT_PREFIX + module + ".lora_B.weight", adapters[k].b());
                        any = true;
                    }
                    row += part.rows();
                }
                boolean adapted = false;
                for (Adapter a : adapters) adapted |= a != null;
                targets[i][p.ordinal()] = adapted ? new Target(partRows, adapters) : null;
            }
        }
        if (!any) {
            manager.close();
            throw new IllegalArgumentException("no projection of this model matches the LoRA target modules " + targetModules);
        }
    }

    /** The checkpoint module a weight part belongs to, e.g. {@code model.layers.0.self_attn.q_proj}. */
    private static String module(ParameterLayout.Part part) {
        return part.checkpointName().substring(0, part.checkpointName().length() - ".weight".length());
    }

    /** PEFT matches a target by the module name's last component. */
    private static boolean targeted(String module, Collection<String> targetModules) {
        return targetModules.contains(module.substring(module.lastIndexOf('.') + 1));
    }

    /** Adapter parameters r·(in + out) over the targeted modules of a model with this config, without building it. */
    public static long parameterCount(ModelConfig c, int rank, Collection<String> targetModules) {
        long n = 0;
        for (ParameterLayout.ParameterSpec spec : ParameterLayout.of(c)) {
            if (spec.shape().dimension() != 2 || !isProjection(spec.name())) continue;
            for (ParameterLayout.Part part : spec.parts()) {
                if (targeted(module(part), targetModules)) n += (long) rank * (spec.shape().get(1) + part.rows());
            }
        }
        return n;
    }

    private static boolean isProjection(String parameter) {
        for (Projection p : Projection.values()) {
            if (parameter.endsWith("." + p.parameter)) return true;
        }
        return false;
    }

    /**
     * New adapters (A random for {@code seed}, B = 0) on {@code model}'s projections named in {@code targetModules}
     * (PEFT's module names: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj), in the model's dtype
     * and on its device, attached so that its forward uses them.
     */
    public static LoraAdapters attach(DecoderModel model, int rank, double alpha, double dropout, Collection<String> targetModules,
                                      long seed) {
        LoraAdapters adapters = new LoraAdapters(model, rank, alpha, dropout, List.copyOf(targetModules), seed);
        model.attachAdapters(adapters);
        return adapters;
    }

    private NDArray kaimingUniform(Random rng, long rows, long in, DataType dtype) {
        double bound = 1 / Math.sqrt(in);
        float[] values = new float[Math.toIntExact(rows * in)];
        for (int i = 0; i < values.length; i++) values[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        return manager.create(values, new Shape(rows, in)).toType(dtype, false);
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    public double dropout() {
        return dropout;
    }

    public List<String> targetModules() {
        return targetModules;
    }

    /** The adapter tensors by PEFT's names (lora_A: r × in, lora_B: out × r), in checkpoint order. */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Marks the adapters as requiring a gradient (the base weights stay frozen); dropout applies only while trainable. */
    public void setTrainable(boolean on) {
        parameters.values().forEach(p -> p.setRequiresGradient(on));
        trainable = on;
    }

    /**
     * What the adapters add to projection {@code p} of layer {@code layer} for input x [.., in], in the fused
     * output's row order [.., out]; null when no module of that projection is adapted.
     */
    NDArray delta(int layer, Projection p, NDArray x) {
        Target t = targets[layer][p.ordinal()];
        if (t == null) return null;
        NDList parts = new NDList(t.adapters().length);
        for (int k = 0; k < t.adapters().length; k++) {
            Adapter a = t.adapters()[k];
            if (a == null) {
                long[] shape = x.getShape().getShape();
                shape[shape.length - 1] = t.partRows()[k];
                parts.add(x.getManager().zeros(new Shape(shape), x.getDataType()));
            } else {
                // Each module has its own dropout mask, as in PEFT (one lora_dropout per module).
                NDArray in = trainable && dropout > 0 ? Dropout.dropout(x, (float) dropout, true).singletonOrThrow() : x;
                // Scaling the r-wide intermediate is cheaper than scaling the out-wide result.
                parts.add(in.matMul(a.a().transpose()).mul(scaling).matMul(a.b().transpose()));
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, x.getShape().dimension() - 1);
    }

    /** Adds (alpha / r)·B·A to each adapted module's rows of {@code weights} (the model's parameters), computed in float32. */
    void mergeInto(Map<String, NDArray> weights) {
        float scale = (float) (alpha / rank);
        for (int i = 0; i < targets.length; i++) {
            for (Projection p : Projection.values()) {
                Target t = targets[i][p.ordinal()];
                if (t == null) continue;
                NDArray w = weights.get(ParameterLayout.layer(i, p.parameter));
                for (Adapter a : t.adapters()) {
                    if (a == null) continue;
                    try (NDScope ignored = new NDScope()) {
                        NDIndex rows = new NDIndex("{}:{}", a.rowOffset(), a.rowOffset() + a.rows());
                        NDArray delta = a.b().toType(DataType.FLOAT32, true).matMul(a.a().toType(DataType.FLOAT32, true)).mul(scale);
                        w.set(rows, w.get(rows).toType(DataType.FLOAT32, true).add(delta).toType(w.getDataType(), false));
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
