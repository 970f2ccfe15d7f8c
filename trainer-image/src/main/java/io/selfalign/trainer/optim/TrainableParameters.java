package io.selfalign.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The weights an optimizer updates. With float32 weights the optimizer works on them directly; with
 * float16 weights it keeps float32 master copies, updates those, and copies them back to the float16
 * weights the forward pass uses (mixed precision by hand: DJL has no autocast).
 */
public final class TrainableParameters {
    /** Hugging Face's rule ({@code get_decay_parameter_names}): no weight decay on biases and norms. */
    private static final Pattern NO_DECAY = Pattern.compile("bias|layernorm|rmsnorm|(^|\\.)norm(\\.|$)|_norm(\\.|$)");
    private static final NDIndex ALL = new NDIndex("...");

    private final List<String> names = new ArrayList<>();
    private final List<NDArray> weights = new ArrayList<>();
    private final List<NDArray> masters = new ArrayList<>();
    private final List<Boolean> decay = new ArrayList<>();
    private final boolean mixedPrecision;

    /**
     * @param parameters the model's trainable weights by checkpoint name, each with its gradient
     *                   attached; all float32, or all float16
     */
    public TrainableParameters(Map<String, NDArray> parameters) {
        if (parameters.isEmpty()) throw new IllegalArgumentException("no trainable parameters");
        DataType type = parameters.values().iterator().next().getDataType();
        if (type != DataType.FLOAT32 && type != DataType.FLOAT16) {
            throw new IllegalArgumentException("trainable weights must be float32 or float16, got " + type);
        }
        mixedPrecision = type == DataType.FLOAT16;
        parameters.forEach((name, w) -> {
            if (w.getDataType() != type) throw new IllegalArgumentException("parameter " + name + " is " + w.getDataType() + ", others " + type);
            names.add(name);
            weights.add(w);
            decay.add(!NO_DECAY.matcher(name.toLowerCase()).find());
            if (mixedPrecision) {
                NDArray master = w.toType(DataType.FLOAT32, true);
                NDScope.unregister(master);
                masters.add(master);
            } else {
                masters.add(w);
            }
        });
    }

    public boolean mixedPrecision() {
        return mixedPrecision;
    }

    public List<String> names() {
        return Collections.unmodifiableList(names);
    }

    /** The float32 weights the optimizer updates (the weights themselves, or their master copies). */
    public List<NDArray> float32Weights() {
        return Collections.unmodifiableList(masters);
    }

    /** Whether each weight gets weight decay. */
    public List<Boolean> decay() {
        return Collections.unmodifiableList(decay);
    }

    /**
     * The accumulated gradients as float32, multiplied by {@code factor} (1 / loss scale). For float32
     * weights these are the gradient buffers themselves, scaled in place.
     */
    public List<NDArray> float32Gradients(double factor) {
        List<NDArray> out = new ArrayList<>(weights.size());
        for (NDArray w : weights) {
            NDArray g = w.getGradient();
            NDArray g32 = mixedPrecision ? g.toType(DataType.FLOAT32, true) : g;
            if (factor != 1.0) g32.muli(factor);
            out.add(g32);
        }
        return out;
    }

    /** After an update of the master copies: writes them into the float16 weights. */
    public void copyMastersToWeights() {
        if (!mixedPrecision) return;
        for (int i = 0; i < weights.size(); i++) {
            weights.get(i).set(ALL, masters.get(i).toType(DataType.FLOAT16, false));
        }
    }

    /** Sets every gradient to 0 (a fill, not g − g, so that inf/NaN from an overflow are cleared too). */
    public void zeroGradients() {
        for (NDArray w : weights) w.getGradient().set(ALL, 0);
    }
}
