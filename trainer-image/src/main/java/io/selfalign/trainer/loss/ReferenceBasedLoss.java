package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;

/** Base of the losses on the DPO margin z: they all log the implicit rewards β(S_θ − S_ref). */
abstract class ReferenceBasedLoss implements PreferenceLoss {
    protected final double beta;

    ReferenceBasedLoss(double beta) {
        this.beta = beta;
    }

    @Override
    public boolean usesReference() {
        return true;
    }

    @Override
    public NDArray[] rewards(PairScores s) {
        return new NDArray[] {
            s.policyChosen().sub(s.referenceChosen()).mul(beta).stopGradient(),
            s.policyRejected().sub(s.referenceRejected()).mul(beta).stopGradient()
        };
    }

    /** −(1 − ε)·log σ(βz) − ε·log σ(−βz) with a per-pair ε: the label-smoothed sigmoid loss of SPA. */
    static NDArray smoothedSigmoid(NDArray betaZ, NDArray epsilon) {
        NDArray keep = LogSigmoid.of(betaZ).mul(epsilon.neg().add(1));
        NDArray flip = LogSigmoid.of(betaZ.neg()).mul(epsilon);
        return keep.add(flip).neg();
    }

    /** −[a·log σ(βz) + b·log σ(−βz)] with fixed weights: cDPO and rDPO differ only in a and b. */
    static NDArray weightedSigmoid(NDArray betaZ, double a, double b) {
        return LogSigmoid.of(betaZ).mul(-a).add(LogSigmoid.of(betaZ.neg()).mul(-b));
    }
}
