package io.selfalign.trainer.judge;

/**
 * A judge measured on held-out gold pairs ({@code data.validationPreferences}), for any reference weight θ
 * (docs/judge.md). Besides the plain accuracy it splits the pairs by how the base model orders them on its own
 * likelihood: a judge that only sharpens the model's own preferences agrees with the base model, so it is right
 * where the base model is right and wrong where it is wrong. Its accuracy on the pairs the base model orders
 * wrongly ({@code direction}) is what the seed pairs taught against the model's habits; the mean of the two
 * groups' accuracies ({@code balanced}) is 50% for a judge that merely repeats the base model, whatever the mix
 * of the groups. Ties count ½, as in every agreement measure of a round.
 */
public final class ValidationSignal {
    /** The reference weights {@code judge.select: validation} chooses from. */
    public static final double[] WEIGHTS = {0, 0.25, 0.5, 0.75, 1};

    /**
     * @param overall   share of all pairs the judge orders like the gold label
     * @param direction the same on the pairs the base model orders wrongly (NaN when there are none)
     * @param balanced  mean of the accuracies on the pairs the base model orders wrongly and rightly (the
     *                  overall accuracy when one group is empty)
     */
    public record Accuracy(double overall, double direction, double balanced) {}

    private final ImplicitRewardJudge.Scores scores;
    private final boolean[] baseWrong;
    private final int[][] lengths;

    /**
     * @param scores    the judge's scores of each pair's two responses, chosen first
     * @param baseWrong per pair, whether the base model gives the rejected response the higher score
     * @param lengths   per pair, the token counts of chosen and rejected (for a length term)
     */
    public ValidationSignal(ImplicitRewardJudge.Scores scores, boolean[] baseWrong, int[][] lengths) {
        if (scores.policy().length != baseWrong.length || lengths.length != baseWrong.length) {
            throw new IllegalArgumentException("scores, base order and lengths must cover the same pairs");
        }
        this.scores = scores;
        this.baseWrong = baseWrong.clone();
        this.lengths = lengths;
    }

    /** Per pair (chosen first), whether the base model's scores order it against the gold label; ties are not wrong. */
    public static boolean[] baseWrong(double[][] baseScores) {
        boolean[] wrong = new boolean[baseScores.length];
        for (int i = 0; i < wrong.length; i++) wrong[i] = baseScores[i][0] < baseScores[i][1];
        return wrong;
    }

    /** The accuracies of the judge with weight θ and the round's length term. */
    public Accuracy at(double beta, double referenceWeight, LengthDebias debias) {
        double[][] r = scores.rewards(beta, referenceWeight);
        double[] agree = new double[2];
        int[] count = new int[2];
        for (int i = 0; i < r.length; i++) {
            double chosen = debias.apply(r[i][0], lengths[i][0]);
            double rejected = debias.apply(r[i][1], lengths[i][1]);
            int g = baseWrong[i] ? 1 : 0;
            agree[g] += chosen > rejected ? 1 : chosen == rejected ? 0.5 : 0;
            count[g]++;
        }
        double overall = (agree[0] + agree[1]) / r.length;
        double direction = count[1] == 0 ? Double.NaN : agree[1] / count[1];
        double balanced = count[0] == 0 || count[1] == 0 ? overall : (agree[0] / count[0] + direction) / 2;
        return new Accuracy(overall, direction, balanced);
    }

    /** The weight of {@link #WEIGHTS} with the highest balanced accuracy; the smallest of equals. */
    public double bestWeight(double beta, LengthDebias debias) {
        double best = WEIGHTS[0];
        double bestBalanced = Double.NEGATIVE_INFINITY;
        for (double w : WEIGHTS) {
            double b = at(beta, w, debias).balanced();
            if (b > bestBalanced) {
                best = w;
                bestBalanced = b;
            }
        }
        return best;
    }
}
