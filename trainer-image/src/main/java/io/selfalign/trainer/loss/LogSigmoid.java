package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Numerically stable log σ(x) and log(1 − eˢ), the two building blocks the loss family shares. */
final class LogSigmoid {
    private LogSigmoid() {}

    /** log σ(x) = −softplus(−x), stable for large |x|. */
    static NDArray of(NDArray x) {
        return Activation.softPlus(x.neg()).neg();
    }

    /**
     * log(1 − eˢ) for s ≤ 0 without log1p/expm1 (DJL has neither). Near 0 the direct form cancels, so
     * there it uses 1 − eˢ = 2·e^{s/2}·sinh(−s/2); far from 0 the direct form is exact. Both branches are
     * evaluated on clamped inputs so that neither yields inf/NaN (a NaN in the unused branch of a
     * where() still poisons the gradient).
     */
    static NDArray log1mExp(NDArray s) {
        NDArray near = s.clip(-1.0, 0.0);
        NDArray nearValue = near.neg().div(2).sinh().mul(2).log().add(near.div(2));
        NDArray far = s.clip(-Float.MAX_VALUE, -1.0);
        NDArray farValue = far.exp().neg().add(1).log();
        return ai.djl.ndarray.NDArrays.where(s.gt(-1.0), nearValue, farValue);
    }
}
