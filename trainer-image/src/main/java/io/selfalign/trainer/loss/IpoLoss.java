package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/** {@code ipo}: (z − 1/(2τ))² on summed log-probs, with τ = β as in TRL. */
public final class IpoLoss extends ReferenceBasedLoss {
    public IpoLoss(double beta) {
        super(beta);
    }

    @Override
    public Loss name() {
        return Loss.IPO;
    }

    @Override
    public NDArray perPair(PairScores s) {
        return s.margin().sub(1 / (2 * beta)).square();
    }
}
