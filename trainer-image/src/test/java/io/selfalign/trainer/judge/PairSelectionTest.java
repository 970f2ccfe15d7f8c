package io.selfalign.trainer.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairSelectionTest {
    static final boolean T = true;
    static final boolean F = false;

    @Test
    void bestVersusWorstWithTheFirstBestAndTheLastWorstOnTies() {
        PairSelection.Outcome o = PairSelection.select(new double[][] {{1, 3, 3, 0, 0}, {2, 2}}, new boolean[][] {{T, T, T, T, T}, {T, T}},
                new int[2][5], false);
        assertEquals(List.of(new PairSelection.Selected(0, 1, 4, 3, 0), new PairSelection.Selected(1, 0, 1, 2, 2)), o.pairs());
        assertEquals(1, o.ties());
        assertEquals(0, o.skipped());
        assertEquals(1.5, o.meanGap(), 1e-12);
    }

    /** A truncated run-on response with the highest reward is passed over; the pair comes from the finished ones. */
    @Test
    void ineligibleCandidatesAreNeverPaired() {
        PairSelection.Outcome o = PairSelection.select(new double[][] {{5, 1, 2, -4}}, new boolean[][] {{F, T, T, F}}, new int[1][4], false);
        assertEquals(List.of(new PairSelection.Selected(0, 2, 1, 2, 1)), o.pairs());
    }

    @Test
    void aPromptWithFewerThanTwoEligibleCandidatesYieldsNoPair() {
        PairSelection.Outcome o = PairSelection.select(new double[][] {{5, 1, 2}, {0, 1}, {3, 4}}, new boolean[][] {{F, T, F}, {F, F}, {T, T}},
                new int[3][3], true);
        assertEquals(List.of(new PairSelection.Selected(2, 1, 0, 4, 3)), o.pairs());
        assertEquals(2, o.skipped());
        assertEquals(0, o.ties());
    }

    /** Equal-length pairing: of the lengths with two candidates, the one whose best and worst differ most. */
    @Test
    void groupsPairWithinAGroupTakingTheWidestGap() {
        double[][] r = {{9, 1, 2, 0, 5}, {1, 2, 3}};
        int[][] length = {{7, 3, 3, 5, 5}, {2, 3, 4}};
        PairSelection.Outcome o = PairSelection.select(r, new boolean[][] {{T, T, T, T, T}, {T, T, T}}, length, false);
        assertEquals(List.of(new PairSelection.Selected(0, 4, 3, 5, 0)), o.pairs());
        assertEquals(1, o.skipped());
    }
}
