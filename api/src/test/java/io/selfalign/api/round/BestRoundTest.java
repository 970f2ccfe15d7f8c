package io.selfalign.api.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.BestRound.Scored;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /** The benchmark's keyecho seed 1 (judge.select: validation): the highest is iteration 0, the win-rate's best iteration 1. */
    @Test
    void theRecommendationIsTheLatestRoundWithinNoiseOfTheHighest() {
        List<Scored> rounds = List.of(at(0, 0.70), at(1, 0.69), at(2, 0.60), at(3, 0.615));
        assertEquals(1, BestRound.choose(rounds).orElseThrow().iteration());
        // KeySort: every round within noise of the highest, so the most trained one.
        assertEquals(3, BestRound.choose(List.of(at(0, 0.63), at(1, 0.76), at(2, 0.76), at(3, 0.75))).orElseThrow().iteration());
        assertEquals(Optional.empty(), BestRound.choose(List.of()));
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
        assertEquals("iteration 2: validation accuracy 0.600 is significantly below iteration 0's 0.700 (guard.stopOnDecline); "
                + "no later round started", BestRound.declineMessage(at(2, 0.60), at(0, 0.70)));
    }

    @Test
    void aRoundsAccuracyAndSampleSizeAreReadFromItsMetrics() {
        assertEquals(Optional.of(new Scored(2, 0.6, 200)), BestRound.of(2, Map.of("validation_accuracy", 0.6, "validation_pairs", 200.0)));
        assertEquals(Optional.of(new Scored(2, 0.6, 0)), BestRound.of(2, Map.of("validation_accuracy", 0.6)));
        assertEquals(Optional.empty(), BestRound.of(2, Map.of("pairs", 10.0)));
        assertEquals(Optional.empty(), BestRound.of(2, null));
    }
}
