package io.selfalign.trainer.keysort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Hand-worked values of r* = 2·cov + cov·ord − 1.5·extra − dup − (1 − eos). */
class GoldRewardTest {
    private static final double TOL = 1e-12;
    private static final int[] KEYS = {9, 5, 7}; // m = 3

    @Test
    void idealIsThree() {
        assertEquals(3.0, GoldReward.score(KEYS, new int[] {5, 7, 9}, true), TOL);
        assertEquals(3.0, GoldReward.score("<s> k09 k05 k07 <sep>", "k05 k07 k09"), TOL);
    }

    @Test
    void reversedKeysLoseTheOrderTerm() {
        // cov 1, ord 0 (no ascending pair of 2) → 2
        assertEquals(2.0, GoldReward.score(KEYS, new int[] {9, 7, 5}, true), TOL);
    }

    @Test
    void droppedKeyAndPartialOrder() {
        // y = 9 5: cov 2/3, ord 0/1 → 4/3
        assertEquals(4.0 / 3, GoldReward.score(KEYS, new int[] {9, 5}, true), TOL);
        // y = 5 9 7: cov 1, ord 1/2 → 2.5
        assertEquals(2.5, GoldReward.score(KEYS, new int[] {5, 9, 7}, true), TOL);
    }

    @Test
    void extraAndDuplicateTokens() {
        // y = 5 6 7 7 9: cov 1; ascending pairs 5<6, 6<7, 7<9 → ord 3/4; extra {6} → 1/12; dup 1/12
        double expected = 2 + 0.75 - 1.5 / 12 - 1.0 / 12;
        assertEquals(expected, GoldReward.score(KEYS, new int[] {5, 6, 7, 7, 9}, true), TOL);
        // a duplicated non-key counts as extra twice and as a duplicate once: y = 20 20, cov 0
        assertEquals(-1.5 * 2 / 12 - 1.0 / 12, GoldReward.score(KEYS, new int[] {20, 20}, true), TOL);
    }

    @Test
    void singleTokenAndEmptyResponses() {
        // |y| < 2 → ord = 1: y = 7 gives cov 1/3 → 2/3 + 1/3 = 1
        assertEquals(1.0, GoldReward.score(KEYS, new int[] {7}, true), TOL);
        assertEquals(0.0, GoldReward.score(KEYS, new int[0], true), TOL);
    }

    @Test
    void missingEosCostsOne() {
        assertEquals(2.0, GoldReward.score(KEYS, new int[] {5, 7, 9}, false), TOL);
        // 13 decoded tokens = the generator hit its budget: cut to 12, eos = 0.
        // y = 5 7 9 then nine copies of 9 (the 13th dropped): cov 1, ord 2/11, dup 9/12
        String runaway = "k05 k07 k09" + " k09".repeat(10);
        double expected = 2 + 2.0 / 11 - 9.0 / 12 - 1;
        assertEquals(expected, GoldReward.score("<s> k09 k05 k07 <sep>", runaway), TOL);
    }

    @Test
    void unknownWordsCountAsExtraAndTextStopsAtEos() {
        // "junk" is no token: extra 1/12; cov 1, ord over (5, -1, 7, 9): 2 of 3 ascending
        assertEquals(2 + 2.0 / 3 - 1.5 / 12, GoldReward.score("<s> k09 k05 k07 <sep>", "k05 junk k07 k09"), TOL);
        assertEquals(3.0, GoldReward.score("<s> k09 k05 k07 <sep>", "k05 k07 k09 </s> k20"), TOL);
    }

    @Test
    void rejectsAMalformedPrompt() {
        var e = assertThrows(IllegalArgumentException.class, () -> GoldReward.score("k09 k05 <sep>", "k05"));
        assertEquals("not a KeySort prompt (expected '<s> k.. <sep>'): k09 k05 <sep>", e.getMessage());
    }
}
