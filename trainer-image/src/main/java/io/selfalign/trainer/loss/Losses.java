package io.selfalign.trainer.loss;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundSpec;

/** The configured {@link PreferenceLoss} of a round spec. */
public final class Losses {
    private Losses() {}

    /** The loss of one round (its seed round's {@code spa} is already {@code dpo}: {@link RoundSpec} decides it). */
    public static PreferenceLoss forRound(RoundSpec.Training t) {
        return new PreferenceLoss(t.loss(), t.beta(), t.labelSmoothing(), t.simpoGamma(), t.orpoLambda(),
                t.guidance() == null ? 0 : t.guidance().klCoefficient());
    }
}
