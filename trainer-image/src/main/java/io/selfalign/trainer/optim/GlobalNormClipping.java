package io.selfalign.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.List;

/**
 * Clipping by the global L2 norm over all gradients, as {@code torch.nn.utils.clip_grad_norm_} (DJL's
 * {@code clipGrad} only clamps each element): g ← g·min(1, maxNorm / (‖g‖ + 1e-6)).
 */
public final class GlobalNormClipping {
    private GlobalNormClipping() {}

    /** The global L2 norm of the gradients (inf or NaN when any entry is). */
    public static double norm(List<NDArray> grads) {
        NDList perParameter = new NDList(grads.size());
        float[] sums;
        try (NDScope ignored = new NDScope()) {
            for (NDArray g : grads) {
                // g² is as large as g: free each before the next instead of holding one per parameter.
                try (NDArray squared = g.square()) {
                    perParameter.add(squared.sum());
                }
            }
            // One copy to the host for all parameters, not one device sync per parameter.
            sums = NDArrays.stack(perParameter).toFloatArray();
        }
        double sumSquares = 0;
        for (float s : sums) sumSquares += s;
        return Math.sqrt(sumSquares);
    }

    /**
     * Scales the gradients in place so their global norm is at most {@code maxNorm}.
     *
     * @param norm    their global norm, from {@link #norm(List)}
     * @param maxNorm 0 turns clipping off
     */
    public static void clip(List<NDArray> grads, double norm, double maxNorm) {
        if (maxNorm <= 0) return;
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient >= 1) return;
        for (NDArray g : grads) g.muli(coefficient);
    }
}
