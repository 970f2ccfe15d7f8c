package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/** {@code rdpo}: the loss that is unbiased under a label flip rate ε, [−(1−ε)·log σ(βz) + ε·log σ(−βz)] / (1 − 2ε). */
public final class RobustDpoLoss extends ReferenceBasedLoss {
    private final double epsilon;

    public RobustDpoLoss(double beta, double epsilon) {
        super(beta);
        this.epsilon = epsilon;
    }

    @Override
    public Loss name() {
        return Loss.RDPO;
    }

    @Override
    public NDArray perPair(PairScores s) {
        return weightedSigmoid(s.margin().mul(beta), (1 - epsilon) / (1 - 2 * epsilon), -epsilon / (1 - 2 * epsilon));
    }
}
