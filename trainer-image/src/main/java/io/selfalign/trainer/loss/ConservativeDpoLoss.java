package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/** {@code cdpo}: label smoothing with a fixed ε, −(1−ε)·log σ(βz) − ε·log σ(−βz). */
public final class ConservativeDpoLoss extends ReferenceBasedLoss {
    private final double epsilon;

    public ConservativeDpoLoss(double beta, double epsilon) {
        super(beta);
        this.epsilon = epsilon;
    }

    @Override
    public Loss name() {
        return Loss.CDPO;
    }

    @Override
    public NDArray perPair(PairScores s) {
        return weightedSigmoid(s.margin().mul(beta), 1 - epsilon, epsilon);
    }
}
