package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/** {@code hinge} (SLiC with a reference): max(0, 1 − βz). */
public final class HingeLoss extends ReferenceBasedLoss {
    public HingeLoss(double beta) {
        super(beta);
    }

    @Override
    public Loss name() {
        return Loss.HINGE;
    }

    @Override
    public NDArray perPair(PairScores s) {
        return s.margin().mul(-beta).add(1).maximum(0f);
    }
}
