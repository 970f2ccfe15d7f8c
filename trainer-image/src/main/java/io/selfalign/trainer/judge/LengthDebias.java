package io.selfalign.trainer.judge;

/**
 * Length-debiased rewards ({@code judge.lengthControl: regress}): the least-squares line of reward on
 * response length over a round's pairable candidates, whose length term is subtracted from every reward.
 * What is left ranks responses of one prompt by what the length does not explain. The slope is fitted on
 * the round's own samples and then applied unchanged to other pairs (the held-out validation pairs).
 *
 * @param slope reward per token of the fit (0 when all lengths are equal)
 */
public record LengthDebias(double slope) {
    /** The fit over the candidates with {@code eligible[i][j]}. */
    public static LengthDebias fit(double[][] rewards, int[][] lengths, boolean[][] eligible) {
        double n = 0;
        double sumX = 0;
        double sumY = 0;
        for (int i = 0; i < rewards.length; i++) {
            for (int j = 0; j < rewards[i].length; j++) {
                if (!eligible[i][j]) continue;
                n++;
                sumX += lengths[i][j];
                sumY += rewards[i][j];
            }
        }
        if (n < 2) return new LengthDebias(0);
        double meanX = sumX / n;
        double meanY = sumY / n;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < rewards.length; i++) {
            for (int j = 0; j < rewards[i].length; j++) {
                if (!eligible[i][j]) continue;
                double dx = lengths[i][j] - meanX;
                sxx += dx * dx;
                sxy += dx * (rewards[i][j] - meanY);
            }
        }
        return new LengthDebias(sxx == 0 ? 0 : sxy / sxx);
    }

    /** The reward of a response of {@code length} tokens with the length term removed. */
    public double apply(double reward, int length) {
        return reward - slope * length;
    }
}
