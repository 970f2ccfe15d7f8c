package io.selfalign.trainer.keysort;

import java.util.SplittableRandom;

/**
 * Statistics of the simulated teacher on fresh prompts: two independent samples per prompt, as the seed
 * and "100%" pairs are drawn. docs/algorithm.md §8 quotes (20K prompts, seed 0) mean r* 1.85, sd 0.64,
 * 6% ideal, mean |r*1 − r*2| 0.73, 4.9% exact ties.
 */
public record TeacherStats(int prompts, double meanReward, double sdReward, double idealFraction,
                           double meanAbsPairDiff, double tieFraction) {

    public static TeacherStats simulate(KeySortTask task, int prompts, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double sum = 0;
        double sumSq = 0;
        int ideal = 0;
        double absDiff = 0;
        int ties = 0;
        for (int i = 0; i < prompts; i++) {
            int[] keys = KeySortGenerator.prompt(rng);
            double r1 = task.goldReward(keys, task.respond(keys, rng), true);
            double r2 = task.goldReward(keys, task.respond(keys, rng), true);
            sum += r1;
            sumSq += r1 * r1;
            if (GoldReward.isIdeal(r1)) ideal++;
            absDiff += Math.abs(r1 - r2);
            if (GoldReward.tie(r1, r2)) ties++;
        }
        double mean = sum / prompts;
        return new TeacherStats(prompts, mean, Math.sqrt(Math.max(0, sumSq / prompts - mean * mean)),
                (double) ideal / prompts, absDiff / prompts, (double) ties / prompts);
    }

    @Override
    public String toString() {
        return String.format("teacher on %d prompts: mean r* %.3f (sd %.3f), ideal %.1f%%, mean |r*1-r*2| %.3f, ties %.1f%%",
                prompts, meanReward, sdReward, 100 * idealFraction, meanAbsPairDiff, 100 * tieFraction);
    }
}
