package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/**
 * {@code orpo}: −Ŝ_θ(y_w) + λ·(−log σ(LO(y_w) − LO(y_l))) with the log-odds LO(y) = Ŝ − log(1 − e^Ŝ);
 * reference-free. The logged rewards are β·Ŝ_θ.
 */
public final class OrpoLoss implements PreferenceLoss {
    private final double beta;
    private final double lambda;

    public OrpoLoss(double beta, double lambda) {
        this.beta = beta;
        this.lambda = lambda;
    }

    @Override
    public Loss name() {
        return Loss.ORPO;
    }

    @Override
    public boolean usesReference() {
        return false;
    }

    @Override
    public NDArray perPair(PairScores s) {
        NDArray chosen = s.meanPolicyChosen();
        NDArray rejected = s.meanPolicyRejected();
        NDArray logOdds = logOdds(chosen).sub(logOdds(rejected));
        return chosen.neg().add(LogSigmoid.of(logOdds).mul(-lambda));
    }

    private static NDArray logOdds(NDArray meanLogProb) {
        return meanLogProb.sub(LogSigmoid.log1mExp(meanLogProb));
    }

    @Override
    public NDArray[] rewards(PairScores s) {
        return new NDArray[] {s.meanPolicyChosen().mul(beta).stopGradient(), s.meanPolicyRejected().mul(beta).stopGradient()};
    }
}
