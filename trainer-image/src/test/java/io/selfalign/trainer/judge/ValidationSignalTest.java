package io.selfalign.trainer.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The held-out signal on four hand-made pairs (scores chosen first); all sums exact in binary, so the tolerances are tight. */
class ValidationSignalTest {
    static final double BETA = 0.5;
    // policy and reference scores per pair: {chosen, rejected}
    static final double[][] POLICY = {{-1, -2}, {-1, -2}, {-2, -1}, {-2, -1.5}};
    static final double[][] REFERENCE = {{-1, -3}, {-2, -1}, {-1, -2}, {-3, -1}};
    static final int[][] LENGTHS = {{2, 2}, {2, 4}, {2, 2}, {4, 2}};

    @Test
    void baseWrongMarksPairsTheBaseScoresAgainstTheLabel() {
        assertArrayEquals(new boolean[] {false, true, false, true}, ValidationSignal.baseWrong(REFERENCE));
        assertArrayEquals(new boolean[] {false}, ValidationSignal.baseWrong(new double[][] {{-1, -1}}), "a tie is not wrong");
    }

    @Test
    void accuracyOverallOnTheBaseWrongPairsAndBalanced() {
        ValidationSignal s = new ValidationSignal(new ImplicitRewardJudge.Scores(POLICY, REFERENCE), ValidationSignal.baseWrong(REFERENCE), LENGTHS);
        // θ = 0, the policy alone: right on pairs 1, 2; wrong on 3, 4
        ValidationSignal.Accuracy own = s.at(BETA, 0, new LengthDebias(0));
        assertEquals(0.5, own.overall(), 1e-12);
        assertEquals(0.5, own.direction(), 1e-12, "of the base-wrong pairs 2 and 4, right on 2");
        assertEquals(0.5, own.balanced(), 1e-12);
        // θ = 1, policy − reference: chosen vs rejected 0 vs 1, 1 vs −1, −1 vs 1, 1 vs −0.5 — right only where the base is wrong
        ValidationSignal.Accuracy implicit = s.at(BETA, 1, new LengthDebias(0));
        assertEquals(0.5, implicit.overall(), 1e-12);
        assertEquals(1.0, implicit.direction(), 1e-12);
        assertEquals(0.5, implicit.balanced(), 1e-12);
        // θ = ½, policy − ½·reference: −0.5 vs −0.5 (tie, ½), 0 vs −1.5, −1.5 vs 0, −0.5 vs −1
        ValidationSignal.Accuracy half = s.at(BETA, 0.5, new LengthDebias(0));
        assertEquals(2.5 / 4, half.overall(), 1e-12);
        assertEquals(1.0, half.direction(), 1e-12);
        assertEquals((0.25 + 1.0) / 2, half.balanced(), 1e-12);
    }

    @Test
    void theLengthTermIsSubtractedFromBothResponses() {
        ValidationSignal s = new ValidationSignal(new ImplicitRewardJudge.Scores(POLICY, REFERENCE), ValidationSignal.baseWrong(REFERENCE), LENGTHS);
        // rewards β·policy = {−0.5, −1}, {−0.5, −1}, {−1, −0.5}, {−1, −0.75}; slope 0.25 per token turns pair 2 (2 vs 4 tokens)
        // into −1 vs −2 (still right) and pair 4 (4 vs 2) into −2 vs −1.25 (still wrong); the others are equal lengths
        assertEquals(0.5, s.at(BETA, 0, new LengthDebias(0.25)).overall(), 1e-12);
        // slope −0.2 (longer is better): pair 2 becomes −0.1 vs −0.2 (still right), pair 4 −0.2 vs −0.35 (now right)
        assertEquals(0.75, s.at(BETA, 0, new LengthDebias(-0.2)).overall(), 1e-12);
    }

    @Test
    void selectionKeepsTheOwnLikelihoodUnlessALargerWeightIsSignificantlyBetter() {
        // four pairs cannot make any weight significantly better than θ = 0 (here θ = ¼ and ½ lead by 1/8 and 0)
        ValidationSignal small = new ValidationSignal(new ImplicitRewardJudge.Scores(POLICY, REFERENCE), ValidationSignal.baseWrong(REFERENCE), LENGTHS);
        assertEquals(0.0, small.bestWeight(BETA, new LengthDebias(0)));
        // 100 copies of a pair θ = 0 gets wrong and θ ≥ ¼ right (policy −2 vs −1; reference −4 vs −1: θ = ¼ gives −1 vs −0.75,
        // still wrong; θ = ½ gives 0 vs −0.5, right) and 100 pairs every weight gets right: θ = ½ wins 100 of 200 more,
        // θ = ¾ and 1 as many, and the smallest of the equally accurate is kept
        int n = 200;
        double[][] policy = new double[n][];
        double[][] reference = new double[n][];
        int[][] lengths = new int[n][];
        for (int i = 0; i < n; i++) {
            boolean hard = i < 100;
            policy[i] = hard ? new double[] {-2, -1} : new double[] {-1, -2};
            reference[i] = hard ? new double[] {-4, -1} : new double[] {-1, -1};
            lengths[i] = new int[] {2, 2};
        }
        ValidationSignal clear = new ValidationSignal(new ImplicitRewardJudge.Scores(policy, reference), ValidationSignal.baseWrong(reference), lengths);
        assertEquals(0.5, clear.at(BETA, 0, new LengthDebias(0)).overall(), 1e-12);
        assertEquals(0.5, clear.at(BETA, 0.25, new LengthDebias(0)).overall(), 1e-12);
        assertEquals(1.0, clear.at(BETA, 0.5, new LengthDebias(0)).overall(), 1e-12);
        assertEquals(0.5, clear.bestWeight(BETA, new LengthDebias(0)));
    }

    @Test
    void onceSomeWeightIsSignificantlyBetterTheMostAccurateIsTakenEvenIfItIsNotSignificantOnItsOwn() {
        // 200 pairs in four groups (policy and reference chosen first; reward policy − θ·reference, exact in binary):
        // A, 10: θ = 0 wrong, every θ ≥ ¼ right (−2 + 8θ vs −1 + θ);
        // B, 60: right only at θ = 1 (−2 + 2.125θ vs −1 + θ, right above θ = 0.89);
        // C, 55: right below θ = 1, wrong at it (−1 + θ vs −2 + 2.125θ);
        // D, 75: right at every θ (−1 + θ vs −2 + θ).
        // θ = 0: 130 right; θ = ¼ … ¾: 140, ten more on the same pairs — significant (z ≈ 3.2); θ = 1: 145, but it trades
        // 55 pairs for 70, so its gain over θ = 0 alone is not (z ≈ 1.3). The most accurate weight is θ = 1.
        int[] sizes = {10, 60, 55, 75};
        double[][][] policyOf = {{{-2, -1}}, {{-2, -1}}, {{-1, -2}}, {{-1, -2}}};
        double[][][] referenceOf = {{{-8, -1}}, {{-2.125, -1}}, {{-1, -2.125}}, {{-1, -1}}};
        int n = 200;
        double[][] policy = new double[n][];
        double[][] reference = new double[n][];
        int[][] lengths = new int[n][];
        int i = 0;
        for (int g = 0; g < sizes.length; g++) {
            for (int c = 0; c < sizes[g]; c++, i++) {
                policy[i] = policyOf[g][0];
                reference[i] = referenceOf[g][0];
                lengths[i] = new int[] {2, 2};
            }
        }
        ValidationSignal s = new ValidationSignal(new ImplicitRewardJudge.Scores(policy, reference), ValidationSignal.baseWrong(reference), lengths);
        LengthDebias none = new LengthDebias(0);
        assertEquals(130 / 200.0, s.at(1, 0, none).overall(), 1e-12);
        assertEquals(140 / 200.0, s.at(1, 0.25, none).overall(), 1e-12);
        assertEquals(140 / 200.0, s.at(1, 0.75, none).overall(), 1e-12);
        assertEquals(145 / 200.0, s.at(1, 1, none).overall(), 1e-12);
        assertEquals(1.0, s.bestWeight(1, none));
    }

    @Test
    void aJudgeThatRepeatsTheBaseModelIsAtFiftyPercentBalanced() {
        // policy = reference: every θ below 1 orders like the base model, and θ = 1 ties every pair
        ValidationSignal copy = new ValidationSignal(new ImplicitRewardJudge.Scores(REFERENCE, REFERENCE), ValidationSignal.baseWrong(REFERENCE), LENGTHS);
        for (double w : ValidationSignal.WEIGHTS) assertEquals(0.5, copy.at(BETA, w, new LengthDebias(0)).balanced(), 1e-12, "weight " + w);
    }
}
