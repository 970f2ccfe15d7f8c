package io.selfalign.api.round;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Which trained round a run recommends ({@code status.bestCheckpoint}) and whether its held-out accuracy has
 * declined ({@code spec.guard.stopOnDecline}), from each round's {@code validation_policy_accuracy}: the share of the
 * held-out pairs the trained model's own likelihood orders like the humans did (results from before that metric:
 * {@code validation_accuracy}). It measures the model, not the next round's judge, which with
 * {@code judge.select: validation} may weigh the seed round's direction and then barely depend on the model.
 *
 * <p>Measured on the alignment benchmark (docs/judge.md): the accuracy falls when self-labelling drifts, but between
 * good rounds it moves by less than 200 pairs can resolve. So the recommendation is the <em>latest</em> round whose
 * accuracy is not significantly below the highest (one-sided two-proportion z-test at 5%) and not below the first
 * round's — the seed round, trained on human labels alone: a self-labelled round is recommended only while the
 * held-out pairs say it kept what the humans taught. A decline is a round significantly below the highest before it.
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

    /**
     * The held-out accuracy of each round that reports one, in iteration order, from the rounds' reported metrics: the
     * policy's ({@code validation_policy_accuracy}) when every such round has it, else {@code validation_accuracy} for
     * all, so that a run whose early rounds came from an older trainer compares like with like.
     */
    public static List<Scored> of(SortedMap<Integer, Map<String, Double>> metricsByIteration) {
        boolean policy = metricsByIteration.values().stream().filter(m -> RoundResult.validationAccuracy(m) != null)
                .allMatch(m -> m.get(RoundResult.VALIDATION_POLICY_ACCURACY) != null);
        List<Scored> out = new ArrayList<>();
        metricsByIteration.forEach((iteration, m) -> {
            Double accuracy = policy ? m.get(RoundResult.VALIDATION_POLICY_ACCURACY) : RoundResult.validationAccuracy(m);
            if (accuracy != null) out.add(new Scored(iteration, accuracy, m.getOrDefault(RoundResult.VALIDATION_PAIRS, 0.0).intValue()));
        });
        return out;
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
        return String.format(Locale.ROOT, "iteration %d: held-out accuracy %.3f is significantly below iteration %d's %.3f "
                + "(guard.stopOnDecline); no later round started", last.iteration(), last.accuracy(), best.iteration(), best.accuracy());
    }
}
