package io.selfalign.api.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.BestRound.Scored;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BestRoundTest {
    private static Scored at(int iteration, double accuracy) {
        return new Scored(iteration, accuracy, 200);
    }

    /**
     * By hand, 200 pairs each: 0.70 vs 0.60 pools to 0.65, se = sqrt(0.65·0.35·(2/200)) = 0.0477, z = 2.10 > 1.645;
     * 0.70 vs 0.64 pools to 0.67, se = 0.0470, z = 1.28 < 1.645.
     */
    @Test
    void aDifferenceIsSignificantOnlyBeyondTheOneSidedFivePercentLevel() {
        assertTrue(BestRound.significantlyBelow(at(1, 0.60), at(0, 0.70)));
        assertFalse(BestRound.significantlyBelow(at(1, 0.64), at(0, 0.70)));
        assertFalse(BestRound.significantlyBelow(at(0, 0.70), at(1, 0.60)), "one-sided: above is never below");
        // The same gap on 50 pairs is noise: se = sqrt(0.65·0.35·(2/50)) = 0.0954, z = 1.05.
        assertFalse(BestRound.significantlyBelow(new Scored(1, 0.60, 50), new Scored(0, 0.70, 50)));
    }

    /** Held-out accuracies of earlier benchmark runs (their validation_accuracy), with the win-rates they stood for. */
    @Test
    void theRecommendationIsTheLatestRoundWithinNoiseOfTheHighestThatKeptTheSeedRoundsAccuracy() {
        // KeySort seed 1: every self-labelled round within noise of the highest, so the most trained one (75.9 WR).
        assertEquals(3, BestRound.choose(List.of(at(0, 0.618), at(1, 0.762), at(2, 0.738), at(3, 0.748))).orElseThrow().iteration());
        // keyecho seed 0: iteration 2 fell significantly (0.583 against 0.667), iteration 3 too; iteration 1 (68.1 WR).
        assertEquals(1, BestRound.choose(List.of(at(0, 0.662), at(1, 0.667), at(2, 0.583), at(3, 0.573))).orElseThrow().iteration());
        // keyecho seed 2: within noise throughout, but iterations 2 and 3 lost the seed round's accuracy (52.3 and 48.4
        // WR against the seed round's 56.3): iteration 1.
        assertEquals(1, BestRound.choose(List.of(at(0, 0.625), at(1, 0.64), at(2, 0.615), at(3, 0.60))).orElseThrow().iteration());
        // The reference-free judge on keyecho: every self-labelled round below the seed round, which is recommended.
        assertEquals(0, BestRound.choose(List.of(at(0, 0.70), at(1, 0.515), at(2, 0.50), at(3, 0.495))).orElseThrow().iteration());
        assertEquals(Optional.empty(), BestRound.choose(List.of()));
    }

    @Test
    void roundsAreScoredByTheirPolicysHeldOutAccuracyUnlessOneOfThemPredatesIt() {
        Map<String, Double> seed = Map.of("validation_accuracy", 0.66, "validation_policy_accuracy", 0.54, "validation_pairs", 200.0);
        Map<String, Double> later = Map.of("validation_accuracy", 0.65, "validation_policy_accuracy", 0.61, "validation_pairs", 200.0);
        Map<String, Double> older = Map.of("validation_accuracy", 0.70, "validation_pairs", 200.0);
        assertEquals(List.of(new Scored(0, 0.54, 200), new Scored(1, 0.61, 200)),
                BestRound.of(new TreeMap<>(Map.of(1, later, 0, seed, 2, Map.of("pairs", 10.0)))), "in order; a round without any is left out");
        assertEquals(List.of(new Scored(0, 0.70, 200), new Scored(1, 0.65, 200)), BestRound.of(new TreeMap<>(Map.of(0, older, 1, later))),
                "a round from an older trainer: validation_accuracy for every round");
    }

    @Test
    void withoutTheSampleSizeEveryLowerAccuracyCountsAsLower() {
        List<Scored> rounds = List.of(new Scored(0, 0.66, 0), new Scored(1, 0.66, 0), new Scored(2, 0.65, 0));
        assertEquals(1, BestRound.choose(rounds).orElseThrow().iteration(), "of equals, the later");
    }

    @Test
    void aDeclineIsTheLastRoundSignificantlyBelowTheHighestBeforeIt() {
        assertEquals(Optional.of(at(0, 0.70)), BestRound.declinedFrom(List.of(at(0, 0.70), at(1, 0.69), at(2, 0.60))));
        assertEquals(Optional.empty(), BestRound.declinedFrom(List.of(at(0, 0.70), at(1, 0.69))));
        assertEquals(Optional.empty(), BestRound.declinedFrom(List.of(at(0, 0.50))));
        assertEquals("iteration 2: held-out accuracy 0.600 is significantly below iteration 0's 0.700 (guard.stopOnDecline); "
                + "no later round started", BestRound.declineMessage(at(2, 0.60), at(0, 0.70)));
    }

    @Test
    void aRoundsSampleSizeIsReadFromItsMetricsAndUnknownWithout() {
        assertEquals(List.of(new Scored(2, 0.6, 200), new Scored(3, 0.6, 0)), BestRound.of(new TreeMap<>(Map.of(
                2, Map.of("validation_accuracy", 0.6, "validation_pairs", 200.0), 3, Map.of("validation_accuracy", 0.6)))));
    }
}
