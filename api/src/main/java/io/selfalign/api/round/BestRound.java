package io.selfalign.api.round;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which trained round a run recommends ({@code status.bestCheckpoint}) and whether its validation accuracy has
 * declined ({@code spec.guard.stopOnDecline}), from each round's {@code validation_accuracy} on the held-out pairs.
 *
 * <p>Measured on the alignment benchmark (docs/judge.md, 16 runs): the validation accuracy falls clearly when
 * self-labelling drifts, but between good rounds it moves by less than 200 pairs can resolve — the highest value was
 * often an early round while later ones were 10–16 win-rate points better; and on a run whose judge never found the
 * seed's direction it stayed within noise while the win-rate sank below the seed round's. So the recommendation is
 * the <em>latest</em> round whose accuracy is not significantly below the highest (one-sided two-proportion z-test at
 * 5%) and not below the first round's — the seed round, trained on human labels alone: a self-labelled round is
 * recommended only while the held-out pairs say it kept what the humans taught. A decline is a round significantly
 * below the highest before it.
 */
public final class BestRound {
    /** One-sided 5% level. */
    static final double Z = 1.645;

    /**
     * A trained round's held-out accuracy.
     *
     * @param pairs the number of validation pairs it was measured on; 0 when unknown (a result from an older
     *              trainer), which makes every lower accuracy count as significantly lower
     */
    public record Scored(int iteration, double accuracy, int pairs) {}

    private BestRound() {}

    /** A round's held-out accuracy as its reported metrics carry it; empty when it has none. */
    public static Optional<Scored> of(int iteration, Map<String, Double> metrics) {
        Double accuracy = RoundResult.validationAccuracy(metrics);
        if (accuracy == null) return Optional.empty();
        return Optional.of(new Scored(iteration, accuracy, metrics.getOrDefault(RoundResult.VALIDATION_PAIRS, 0.0).intValue()));
    }

    /**
     * The latest round whose accuracy is not significantly below the highest and not below the first round's; the first
     * round when no later one qualifies; empty when there is none.
     */
    public static Optional<Scored> choose(List<Scored> rounds) {
        Optional<Scored> top = rounds.stream().max((a, b) -> Double.compare(a.accuracy(), b.accuracy()));
        if (top.isEmpty()) return top;
        Scored first = rounds.stream().min((a, b) -> Integer.compare(a.iteration(), b.iteration())).orElseThrow();
        Scored chosen = first;
        for (Scored r : rounds) {
            if (r.iteration() > chosen.iteration() && r.accuracy() >= first.accuracy() && !significantlyBelow(r, top.get())) chosen = r;
        }
        return Optional.of(chosen);
    }

    /** The highest earlier round when the last round is significantly below it; empty otherwise. */
    public static Optional<Scored> declinedFrom(List<Scored> rounds) {
        if (rounds.size() < 2) return Optional.empty();
        Scored last = rounds.get(rounds.size() - 1);
        return rounds.subList(0, rounds.size() - 1).stream()
                .max((a, b) -> Double.compare(a.accuracy(), b.accuracy()))
                .filter(best -> significantlyBelow(last, best));
    }

    /** One-sided pooled two-proportion z-test that {@code a}'s accuracy is below {@code b}'s. */
    static boolean significantlyBelow(Scored a, Scored b) {
        double gap = b.accuracy() - a.accuracy();
        if (gap <= 0) return false;
        if (a.pairs() <= 0 || b.pairs() <= 0) return true;
        double pooled = (a.accuracy() * a.pairs() + b.accuracy() * b.pairs()) / (a.pairs() + b.pairs());
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / a.pairs() + 1.0 / b.pairs()));
        return se == 0 || gap > Z * se;
    }

    /** Why a run stopped at round {@code iteration}. */
    public static String declineMessage(Scored last, Scored best) {
        return String.format(Locale.ROOT, "iteration %d: validation accuracy %.3f is significantly below iteration %d's %.3f "
                + "(guard.stopOnDecline); no later round started", last.iteration(), last.accuracy(), best.iteration(), best.accuracy());
    }
}
