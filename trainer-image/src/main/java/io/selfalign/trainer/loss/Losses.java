package io.selfalign.trainer.loss;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundSpec;

/** Builds the configured {@link PreferenceLoss} from the round spec. */
public final class Losses {
    private Losses() {}

    /** The loss of one round (its seed round's {@code spa} is already {@code dpo}: {@link RoundSpec} decides it). */
    public static PreferenceLoss forRound(RoundSpec.Training t) {
        return of(t.loss(), t);
    }

    static PreferenceLoss of(Loss loss, RoundSpec.Training t) {
        return switch (loss) {
            case DPO -> new DpoLoss(t.beta());
            case CDPO -> new ConservativeDpoLoss(t.beta(), t.labelSmoothing());
            case RDPO -> new RobustDpoLoss(t.beta(), t.labelSmoothing());
            case IPO -> new IpoLoss(t.beta());
            case HINGE -> new HingeLoss(t.beta());
            case SIMPO -> new SimpoLoss(t.beta(), t.simpoGamma());
            case ORPO -> new OrpoLoss(t.beta(), t.orpoLambda());
            case SPA -> new SpaLoss(t.beta());
        };
    }
}
