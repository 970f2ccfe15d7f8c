package io.selfalign.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.core.Linear;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * How {@link DecoderModel}'s forward passes run on its device: the stream's {@link StreamLayout layout}, the order
 * of the weight products and the {@link AttentionKernel}, chosen per call from the work's shape and the device planned
 * for (the model's, or another's: {@link #planAsOn}). Every choice
 * computes the same math; they differ only in speed on a CPU (the measurements behind the bounds are in
 * docs/performance.md#measurements-behind-choices-in-the-code). While training, every product is
 * {@code Linear.linear} in ROWS, as autograd records it.
 */
final class InferencePlan {
    // At inference on a CPU, a few rows against a weight of 4 MiB or more go weight first (W·x): in the x·Wᵀ
    // order MKL's sgemm repacks the streamed weight on every call. Fewer rows or smaller weights measured slower.
    static final long HEAD_FIRST_MIN_ROWS = 8;
    static final long COLUMNS_MIN_ROWS = 16;
    static final long WEIGHT_FIRST_MAX_ROWS = 256;
    static final long WEIGHT_FIRST_MIN_BYTES = 4L << 20;

    private boolean gpu;
    private final long headBytes;
    private final long largestLayerWeightBytes;
    // Weights transposed once for inference (x·Wᵀ is then one op, not two), and norm weights and biases as columns
    // [n,1] for COLUMNS; dropped whenever the weights or their gradient mode change, because a view made outside a
    // GradientCollector carries no gradient.
    private final Map<NDArray, NDArray> views = new IdentityHashMap<>();
    private boolean training;

    InferencePlan(Device device, NDArray lmHead, Stream<NDArray> layerWeights) {
        this.gpu = device.isGpu();
        this.headBytes = bytes(lmHead);
        this.largestLayerWeightBytes = layerWeights.mapToLong(InferencePlan::bytes).max().orElse(0);
    }

    private static long bytes(NDArray weight) {
        return weight.getShape().size() * weight.getDataType().getNumOfBytes();
    }

    /**
     * Makes from now on the choices a plan on {@code device} makes, while the tensors stay where they are: a CPU can
     * then run, check and count the path a GPU takes (the choices are separate from where the math runs).
     */
    void planAsOn(Device device) {
        gpu = device.isGpu();
    }

    boolean training() {
        return training;
    }

    void setTraining(boolean on) {
        training = on;
        dropViews();
    }

    /**
     * The stream's layout for a forward of {@code rows} sequences × {@code t} new tokens: COLUMNS for a single decode
     * step at inference on a CPU with 16–256 rows, a layer weight of 4 MiB or more and no LoRA adapter on (kept
     * through the whole step, so no transposed output is copied between ops); ROWS otherwise.
     */
    StreamLayout layout(long rows, long t, boolean adapted) {
        boolean columns = t == 1 && !adapted && weightFirst(rows, COLUMNS_MIN_ROWS, largestLayerWeightBytes);
        return columns ? StreamLayout.COLUMNS : StreamLayout.ROWS;
    }

    /**
     * Whether to compute the head's x·Wᵀ as (W·xᵀ)ᵀ when choosing next tokens: at inference on a CPU, for 8–256 rows
     * against a head of 4 MiB or more. Not for scoring: its log-softmax over the transposed logits cost more than
     * the product saved.
     */
    boolean headFirst(long rows) {
        return weightFirst(rows, HEAD_FIRST_MIN_ROWS, headBytes);
    }

    private boolean weightFirst(long rows, long minRows, long weightBytes) {
        return !training && !gpu && rows >= minRows && rows <= WEIGHT_FIRST_MAX_ROWS && weightBytes >= WEIGHT_FIRST_MIN_BYTES;
    }

    /** The single-query kernel for one new token per row on a CPU; on a GPU a batched matmul is one op anyway. */
    AttentionKernel attention(long t) {
        return t == 1 && !gpu ? AttentionKernel.SINGLE_QUERY : AttentionKernel.FULL_CAUSAL;
    }

    /**
     * A weight stored (out, in) applied to the stream (+ bias): while training as Linear.linear computes it
     * (transpose, then matmul); at inference x·Wᵀ in ROWS and W·x in COLUMNS.
     */
    NDArray project(StreamLayout layout, NDArray x, NDArray weight, NDArray bias) {
        if (training) {
            return Linear.linear(x, weight, bias).singletonOrThrow();
        }
        NDArray y = layout == StreamLayout.COLUMNS ? weight.matMul(x) : x.matMul(view(weight));
        return bias == null ? y : y.add(layout == StreamLayout.COLUMNS ? view(bias) : bias);
    }

    /** A parameter's view for inference, made once: a matrix transposed, a vector as a column [n,1]. */
    NDArray view(NDArray parameter) {
        return views.computeIfAbsent(parameter, p -> {
            NDArray view = p.getShape().dimension() == 1 ? p.reshape(-1, 1) : p.transpose();
            NDScope.unregister(view);
            return view;
        });
    }

    /** Forgets the views, after the weights changed. */
    void dropViews() {
        views.values().forEach(NDArray::close);
        views.clear();
    }
}
