package io.selfalign.api.round;

import java.util.Locale;

/**
 * The guard ({@code spec.guard.minJudgeAccuracy}, in round.json {@code judge.minAccuracy}): a round whose judge
 * orders fewer of the held-out validation pairs like their gold labels than this would train on labels worse
 * than the user accepts, so it does not train. The trainer applies the rule and reports
 * {@link RoundResult#guardStopped()}; the operator and the benchmark read that and say why in this one sentence.
 */
public final class Guard {
    private Guard() {}

    /** Whether a round may train: no guard, or its judge's accuracy reaches the threshold. */
    public static boolean allowsTraining(Double minAccuracy, Double judgeAccuracy) {
        return minAccuracy == null || judgeAccuracy >= minAccuracy;
    }

    /** Why round {@code iteration} did not train. */
    public static String stopped(int iteration, Double judgeAccuracy, Double minAccuracy) {
        return String.format(Locale.ROOT, "iteration %d: judge accuracy %.3f on the validation pairs is below "
                + "guard.minJudgeAccuracy %.3f; the round did not train", iteration, orNaN(judgeAccuracy), orNaN(minAccuracy));
    }

    private static double orNaN(Double d) {
        return d == null ? Double.NaN : d;
    }
}
