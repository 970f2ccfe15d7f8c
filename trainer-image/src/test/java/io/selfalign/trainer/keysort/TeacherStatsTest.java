package io.selfalign.trainer.keysort;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The simulated teacher against the statistics docs/algorithm.md §8 quotes (20K prompts, seed 0). The
 * tolerances are about 3 standard errors of each statistic at n = 20,000 plus rounding of the quoted
 * values: mean ±0.03, sd ±0.03, ideal ±1 point, mean |Δ| ±0.03, ties ±1 point.
 */
class TeacherStatsTest {
    @Test
    void matchesTheQuotedTeacherStatistics() {
        TeacherStats s = TeacherStats.simulate(KeySortTask.KEYSORT, 20_000, 0);
        System.out.println(s);
        assertEquals(1.85, s.meanReward(), 0.03, s.toString());
        assertEquals(0.64, s.sdReward(), 0.03, s.toString());
        assertEquals(0.06, s.idealFraction(), 0.01, s.toString());
        assertEquals(0.73, s.meanAbsPairDiff(), 0.03, s.toString());
        assertEquals(0.049, s.tieFraction(), 0.01, s.toString());
    }
}
