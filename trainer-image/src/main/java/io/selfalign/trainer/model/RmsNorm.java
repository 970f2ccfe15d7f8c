package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * RMSNorm over the stream's features: x / sqrt(mean(x²) + eps) * (offset + w), in the fp32 path as transformers
 * computes it; the family's offset is 0 here, 1 where the weight is stored as w − 1.
 */
final class RmsNorm {
    private final DataType dtype;
    private final InferencePlan plan;
    private final NDArray epsilon;
    private final NDArray inverseSqrtWidth;
    private final float sqrtEpsilon;
    private final NDArray offset;

    RmsNorm(ModelConfig config, NDManager manager, DataType dtype, InferencePlan plan) {
        this.dtype = dtype;
        this.plan = plan;
        // Scalars are created once: a scalar argument costs a fresh tensor per op in DJL.
        this.epsilon = manager.create((float) config.rmsNormEps()).toType(dtype, false);
        this.inverseSqrtWidth = manager.create((float) (1.0 / Math.sqrt(config.hiddenSize()))).toType(dtype, false);
        this.sqrtEpsilon = (float) Math.sqrt(config.rmsNormEps());
        float normOffset = config.architecture().normOffset();
        this.offset = normOffset == 0 ? null : manager.create(normOffset).toType(dtype, false);
    }

    /** The normed stream x, in its layout, with the stored weight w. */
    NDArray apply(StreamLayout layout, NDArray x, NDArray storedWeight) {
        NDArray weight = offset == null ? storedWeight : storedWeight.add(offset);
        if (layout == StreamLayout.COLUMNS) {
            weight = offset == null ? plan.view(weight) : weight.reshape(-1, 1);
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
}
