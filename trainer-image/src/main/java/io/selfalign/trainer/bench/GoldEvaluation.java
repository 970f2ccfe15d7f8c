package io.selfalign.trainer.bench;

import io.selfalign.trainer.keysort.GoldReward;

/**
 * The arithmetic of the benchmark's metrics on gold rewards and log-probabilities; {@link PolicyEvaluator}
 * supplies the generations and scores.
 */
public final class GoldEvaluation {
    private GoldEvaluation() {}

    /** Win-rate in percent of {@code policy} over {@code reference}, prompt by prompt, a gold tie counting ½. */
    public static double winRate(double[] policy, double[] reference) {
        if (policy.length != reference.length || policy.length == 0) {
            throw new IllegalArgumentException("win-rate needs equally many (> 0) rewards, got " + policy.length + " and " + reference.length);
        }
        double wins = 0;
        for (int i = 0; i < policy.length; i++) {
            if (GoldReward.tie(policy[i], reference[i])) wins += 0.5;
            else if (policy[i] > reference[i]) wins += 1;
        }
        return 100 * wins / policy.length;
    }

    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    /**
     * KL(π ‖ π_SFT) estimated on π's own samples: mean over samples of S_π(y) − S_SFT(y), with S the summed
     * log-probability of the response and its EOS.
     */
    public static double klEstimate(double[] policyLogProbs, double[] sftLogProbs) {
        if (policyLogProbs.length != sftLogProbs.length || policyLogProbs.length == 0) {
            throw new IllegalArgumentException("KL estimate needs equally many (> 0) scores");
        }
        double s = 0;
        for (int i = 0; i < policyLogProbs.length; i++) s += policyLogProbs[i] - sftLogProbs[i];
        return s / policyLogProbs.length;
    }

}
