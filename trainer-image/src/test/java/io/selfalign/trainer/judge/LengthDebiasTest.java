package io.selfalign.trainer.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LengthDebiasTest {
    /** Rewards 1 + 2·length on the eligible candidates (the ineligible outlier is ignored): slope 2, residual 1. */
    @Test
    void fitsTheSlopeOnEligibleCandidatesAndRemovesIt() {
        double[][] r = {{3, 7, 100}, {5, 9}};
        int[][] len = {{1, 3, 4}, {2, 4}};
        LengthDebias d = LengthDebias.fit(r, len, new boolean[][] {{true, true, false}, {true, true}});
        assertEquals(2.0, d.slope(), 1e-12);
        assertEquals(1.0, d.apply(7, 3), 1e-12);
    }

    @Test
    void equalLengthsLeaveRewardsAsTheyAre() {
        LengthDebias d = LengthDebias.fit(new double[][] {{3, 7}}, new int[][] {{2, 2}}, new boolean[][] {{true, true}});
        assertEquals(0.0, d.slope());
        assertEquals(7.0, d.apply(7, 2));
    }
}
