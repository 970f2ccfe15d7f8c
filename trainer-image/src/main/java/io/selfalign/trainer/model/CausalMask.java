package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The additive attention bias [B,1,T,S] of a forward: 0 where a query may attend, a large negative number
 * elsewhere. Query i (cache index past + i) sees the real keys j ≤ i, and with a sliding window W only
 * j > i − W (transformers' rule).
 */
final class CausalMask {
    private final int window;
    private final DataType dtype;
    private final NDArray maskedOut;

    CausalMask(int slidingWindow, NDManager manager, DataType dtype) {
        this.window = slidingWindow;
        this.dtype = dtype;
        // Finite (fp16-safe) so that a fully masked row (left padding) stays finite instead of NaN.
        this.maskedOut = manager.create(dtype == DataType.FLOAT16 ? -30000f : -1e30f).toType(dtype, false);
    }

    /** The bias of {@code t} new tokens after {@code past} cached ones; {@code keyMask} [B,S] is 1 for real keys. */
    NDArray bias(NDArray keyMask, int past, int t) {
        long b = keyMask.getShape().get(0);
        long s = keyMask.getShape().get(1);
        NDArray blocked = keyMask.eq(0).reshape(b, 1, 1, s);
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
}
