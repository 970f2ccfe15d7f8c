package io.selfalign.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RefinementTest {

    @Test
    void tauIsZeroUntilTheWindowIsFullThenTheMeanOfEntriesFiveAndSix() {
        RefinementWindow w = new RefinementWindow(50, 0.1);
        // margins 49, 48, …, 0: after 49 of them the window is not full yet.
        for (int i = 49; i >= 1; i--) w.push(i);
        assertFalse(w.full());
        assertEquals(0, w.tau());
        w.push(0);
        // sorted = 0..49; ⌊50·0.1⌋ = 5 → (5 + 6) / 2
        assertEquals(5.5, w.tau(), 1e-12);
        // pushing 100 drops the oldest (49): sorted = 0..48, 100 → still (5 + 6) / 2
        w.push(100);
        assertEquals(5.5, w.tau(), 1e-12);
        // pushing −1 and −2 drops 48 and 47 → sorted −2, −1, 0, 1, … → entries 5, 6 are 3 and 4
        w.push(-1);
        w.push(-2);
        assertEquals(3.5, w.tau(), 1e-12);
    }

    @Test
    void smallWindowClampsTheUpperIndex() {
        RefinementWindow w = new RefinementWindow(2, 0.9); // ⌊1.8⌋ = 1, +1 = 2 → clamped to 1
        w.push(3);
        w.push(1);
        assertEquals(3, w.tau(), 1e-12);
    }

    @Test
    void eachPairIsJudgedAgainstTheWindowBeforeIt() {
        // W = 4, K = 0.25: ⌊1⌋ → τ = mean(sorted[1], sorted[2]); warm-up 0.
        SelfRefinement r = new SelfRefinement(0.1, 0.25, 4, 0.0, 10);
        SelfRefinement.Decision[] d = r.judge(new double[] {0.4, -0.2, 0.1, 0.3, 0.05, 0.2}, 0);
        // first four: τ = 0 before the window is full → flagged iff μ ≤ 0
        assertFalse(d[0].flagged());
        assertTrue(d[1].flagged());
        assertEquals(0.1, d[1].flipWeight(), 1e-12);
        assertFalse(d[2].flagged());
        assertFalse(d[3].flagged());
        // window {0.4, −0.2, 0.1, 0.3} → sorted −0.2, 0.1, 0.3, 0.4 → τ = 0.2; 0.05 ≤ 0.2 flagged
        assertEquals(0.2, d[4].tau(), 1e-12);
        assertTrue(d[4].flagged());
        // window {−0.2, 0.1, 0.3, 0.05} → sorted −0.2, 0.05, 0.1, 0.3 → τ = 0.075; 0.2 not flagged
        assertEquals(0.075, d[5].tau(), 1e-12);
        assertFalse(d[5].flagged());
        assertEquals(1 / (1 + Math.exp(-0.05)), d[4].confidence(), 1e-12);
    }

    @Test
    void warmupStepsFlagButDoNotSmooth() {
        SelfRefinement r = new SelfRefinement(0.1, 0.1, 50, 0.2, 10); // steps 0 and 1 are warm-up
        SelfRefinement.Decision inWarmup = r.judge(new double[] {-1}, 1)[0];
        assertTrue(inWarmup.flagged());
        assertEquals(0, inWarmup.flipWeight());
        SelfRefinement.Decision after = r.judge(new double[] {-1}, 2)[0];
        assertEquals(0.1, after.flipWeight(), 1e-12);
    }
}
