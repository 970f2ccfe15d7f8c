package io.selfalign.trainer.loss;

import ai.djl.ndarray.NDArray;
import io.selfalign.api.round.Loss;

/**
 * {@code spa} (ALGORITHMS §3): −(1 − ε_i)·log σ(βz) − ε_i·log σ(−βz) with ε_i = a·f_i from the
 * self-refinement (a = α after warm-up, f_i = pair flagged as noisy), carried in {@link PairScores#flipWeight()}.
 * Unflagged pairs get plain DPO, flagged pairs cDPO with ε = α.
 */
public final class SpaLoss extends ReferenceBasedLoss {
    public SpaLoss(double beta) {
        super(beta);
    }

    @Override
    public Loss name() {
        return Loss.SPA;
    }

    @Override
    public boolean refines() {
        return true;
    }

    @Override
    public NDArray perPair(PairScores s) {
        if (s.flipWeight() == null) {
            throw new IllegalStateException("spa needs the refinement's per-pair flip weights");
        }
        return smoothedSigmoid(s.margin().mul(beta), s.flipWeight());
    }
}
