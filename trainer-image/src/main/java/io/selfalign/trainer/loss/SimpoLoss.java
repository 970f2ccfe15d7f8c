package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/** {@code simpo}: −log σ(β·(Ŝ_θ(y_w) − Ŝ_θ(y_l)) − γ), length-normalised and reference-free. */
public final class SimpoLoss implements PreferenceLoss {
    private final double beta;
    private final double gamma;

    public SimpoLoss(double beta, double gamma) {
        this.beta = beta;
        this.gamma = gamma;
    }

    @Override
    public Loss name() {
        return Loss.SIMPO;
    }

    @Override
    public boolean usesReference() {
        return false;
    }

    @Override
    public NDArray perPair(PairScores s) {
        NDArray logits = s.meanPolicyChosen().sub(s.meanPolicyRejected()).mul(beta).sub(gamma);
        return LogSigmoid.of(logits).neg();
    }

    @Override
    public NDArray[] rewards(PairScores s) {
        return new NDArray[] {s.meanPolicyChosen().mul(beta).stopGradient(), s.meanPolicyRejected().mul(beta).stopGradient()};
    }
}
