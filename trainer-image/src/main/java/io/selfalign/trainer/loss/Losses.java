package io.selfalign.trainer.loss;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.RoundSpecFactory;

/** The configured {@link PreferenceLoss} of a round spec. */
public final class Losses {
    private Losses() {}

    /**
     * The loss of one round, by the contract's rule ({@link RoundSpecFactory#loss}): a hand-written spec that
     * asks for {@code spa} in the seed stage trains with DPO, as one from the operator does.
     */
    public static PreferenceLoss forRound(RoundSpec.Training t, int iteration) {
        Loss loss = RoundSpecFactory.loss(t.loss(), iteration);
        return new PreferenceLoss(loss, t.beta(), t.labelSmoothing(), t.simpoGamma(), t.orpoLambda());
    }
}
