package io.selfalign.trainer.loss;

import io.selfalign.api.round.RoundSpec;

/** Builds the configured {@link PreferenceLoss} from the round spec. */
public final class Losses {
    private Losses() {}

    /**
     * The loss of one round. Iteration 0 (the seed stage) trains on gold labels, so {@code spa} there
     * is the plain sigmoid DPO loss, as in SPA's recipe; every other loss is used as configured.
     */
    public static PreferenceLoss forRound(RoundSpec.Training t, int iteration) {
        String name = iteration == 0 && t.loss().equals("spa") ? "dpo" : t.loss();
        return byName(name, t);
    }

    static PreferenceLoss byName(String name, RoundSpec.Training t) {
        return switch (name) {
            case "dpo" -> new DpoLoss(t.beta());
            case "cdpo" -> new ConservativeDpoLoss(t.beta(), t.labelSmoothing());
            case "rdpo" -> new RobustDpoLoss(t.beta(), t.labelSmoothing());
            case "ipo" -> new IpoLoss(t.beta());
            case "hinge" -> new HingeLoss(t.beta());
            case "simpo" -> new SimpoLoss(t.beta(), t.simpoGamma());
            case "orpo" -> new OrpoLoss(t.beta(), t.orpoLambda());
            case "spa" -> new SpaLoss(t.beta());
            default -> throw new IllegalArgumentException("training.loss: unknown loss '" + name + "', expected one of " + RoundSpec.LOSSES);
        };
    }
}
