package io.selfalign.trainer.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.selfalign.trainer.model.LlamaModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * fp16 compute with fp32 master weights and dynamic loss scaling (GPU training). DJL has no autocast and
 * its {@code toType} is not differentiable, so the fp16 copy is a separate model: forward/backward run on
 * {@link #working()}, the optimizer updates the fp32 {@code master} with {@link #masterGradients()}, and
 * {@link #syncWorking()} copies the result back.
 *
 * <pre>{@code
 * MixedPrecision mp = new MixedPrecision(master);          // master: fp32, trainable or not
 * try (GradientCollector gc = ...) { gc.backward(mp.scale(loss(mp.working().forward(ids, mask)))); }
 * Map<String, NDArray> g = mp.masterGradients();           // null: overflow, skip this step
 * if (g != null) { optimizer.update(...master params, g...); }
 * mp.syncWorking();
 * }</pre>
 */
public final class MixedPrecision implements AutoCloseable {
    private static final int GROWTH_INTERVAL = 2000;
    private static final NDIndex ALL = new NDIndex("...");
    private final LlamaModel master;
    private final LlamaModel working;
    private float lossScale = 65536f;
    private int goodSteps;

    public MixedPrecision(LlamaModel master) {
        if (master.dataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("master weights must be FLOAT32, got " + master.dataType());
        }
        this.master = master;
        this.working = master.copy(DataType.FLOAT16);
        working.setTrainable(true);
    }

    /** The fp16 model to run forward and backward on. */
    public LlamaModel working() {
        return working;
    }

    public float lossScale() {
        return lossScale;
    }

    /** The loss times the current scale, so that small fp16 gradients do not flush to zero. */
    public NDArray scale(NDArray loss) {
        return loss.mul(lossScale);
    }

    /**
     * The working gradients as fp32, unscaled, keyed like {@link LlamaModel#parameters()}; null when any is
     * inf/NaN (the scale is halved and the step should be skipped). Clears the working gradients.
     */
    public Map<String, NDArray> masterGradients() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        boolean finite = true;
        for (Map.Entry<String, NDArray> e : working.parameters().entrySet()) {
            NDArray grad = e.getValue().getGradient();
            NDArray g32 = grad.toType(DataType.FLOAT32, true).div(lossScale);
            grad.set(ALL, 0); // not subi(grad): inf - inf would leave NaN behind after an overflow
            finite &= !g32.isInfinite().any().getBoolean() && !g32.isNaN().any().getBoolean();
            out.put(e.getKey(), g32);
        }
        if (!finite) {
            out.values().forEach(NDArray::close);
            lossScale /= 2;
            goodSteps = 0;
            return null;
        }
        if (++goodSteps % GROWTH_INTERVAL == 0) {
            lossScale *= 2;
        }
        return out;
    }

    /** Copies the (updated) master weights into the fp16 working model. */
    public void syncWorking() {
        working.copyWeightsFrom(master);
    }

    @Override
    public void close() {
        working.close();
    }
}
