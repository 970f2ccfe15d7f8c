package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/** {@code dpo}: the sigmoid loss −log σ(βz). */
public final class DpoLoss extends ReferenceBasedLoss {
    public DpoLoss(double beta) {
        super(beta);
    }

    @Override
    public Loss name() {
        return Loss.DPO;
    }

    @Override
    public NDArray perPair(PairScores s) {
        return LogSigmoid.of(s.margin().mul(beta)).neg();
    }
}
