package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;

/**
 * How {@link DecoderModel} lays out its residual stream ({@link InferencePlan#layout} chooses). {@code ROWS},
 * [B,T,D] with features last, serves every forward pass; {@code COLUMNS}, [D,B] with features first, serves a
 * single decode step at inference on a CPU when a batch of rows meets layer weights too large for the caches.
 * Each projection is then W·x, so MKL's sgemm streams the weight as its first operand instead of repacking it on
 * every call as it does for x·Wᵀ. Attention itself runs per head in [B, heads, T, hd] either way.
 */
enum StreamLayout {
    ROWS {
        @Override
        int featureAxis(NDArray stream) {
            return stream.getShape().dimension() - 1;
        }

        @Override
        NDArray heads(NDArray projected, long heads, long headDim) {
            long b = projected.getShape().get(0);
            long t = projected.getShape().get(1);
            // One new token: [B, 1, heads, hd] is already laid out as [B, heads, 1, hd].
            return t == 1 ? projected.reshape(b, heads, 1, headDim)
                    : projected.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
        }

        @Override
        NDArray stream(NDArray attended) {
            long b = attended.getShape().get(0);
            long heads = attended.getShape().get(1);
            long t = attended.getShape().get(2);
            long width = heads * attended.getShape().get(3);
            // One new token: [B, heads, 1, hd] is already laid out as [B, 1, heads * hd].
            return t == 1 ? attended.reshape(b, 1, width) : attended.transpose(0, 2, 1, 3).reshape(b, t, width);
        }

        @Override
        NDArray fromRows(NDArray rows) {
            return rows;
        }

        @Override
        NDArray toRows(NDArray stream) {
            return stream;
        }
    },

    COLUMNS {
        @Override
        int featureAxis(NDArray stream) {
            return 0;
        }

        @Override
        NDArray heads(NDArray projected, long heads, long headDim) {
            long b = projected.getShape().get(1);
            // [heads·hd, B] → [B, heads, 1, hd] as a view: a transpose and a unit axis need no copy.
            return projected.reshape(heads, headDim, b).transpose(2, 0, 1).reshape(b, heads, 1, headDim);
        }

        @Override
        NDArray stream(NDArray attended) {
            long b = attended.getShape().get(0);
            return attended.reshape(b, attended.getShape().get(1) * attended.getShape().get(3)).transpose();
        }

        @Override
        NDArray fromRows(NDArray rows) {
            return rows.reshape(rows.getShape().get(0), rows.getShape().get(2)).transpose();
        }

        @Override
        NDArray toRows(NDArray stream) {
            return stream.transpose().expandDims(1);
        }
    };

    /** The axis of the stream's features (D): the one norms reduce and fused projections split. */
    abstract int featureAxis(NDArray stream);

    /** A projection's output for {@code heads} heads, as [B, heads, T, hd]. */
    abstract NDArray heads(NDArray projected, long heads, long headDim);

    /** Attention's per-head output [B, heads, T, hd] in this layout, ready for the output projection. */
    abstract NDArray stream(NDArray attended);

    /** The embedded tokens [B,T,D] in this layout (COLUMNS: T = 1; a view). */
    abstract NDArray fromRows(NDArray rows);

    /** The stream back as [B,T,D] (COLUMNS: a view of the [D,B] values). */
    abstract NDArray toRows(NDArray stream);
}
