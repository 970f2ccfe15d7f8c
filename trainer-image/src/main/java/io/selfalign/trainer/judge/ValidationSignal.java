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
        double[] o = outcomes(beta, referenceWeight, debias);
        double[] agree = new double[2];
        int[] count = new int[2];
        for (int i = 0; i < o.length; i++) {
            int g = baseWrong[i] ? 1 : 0;
            agree[g] += o[i];
            count[g]++;
        }
        double overall = (agree[0] + agree[1]) / o.length;
        double direction = count[1] == 0 ? Double.NaN : agree[1] / count[1];
        double balanced = count[0] == 0 || count[1] == 0 ? overall : (agree[0] / count[0] + direction) / 2;
        return new Accuracy(overall, direction, balanced);
    }

    /**
     * The weight {@code judge.select: validation} judges with: the policy's own likelihood (θ = 0) unless the held-out
     * pairs show that some larger θ orders them better — by a one-sided paired test at the 5% level ({@link #SIGNIFICANT_Z})
     * on the per-pair outcomes — and then the most accurate weight of the grid (the smallest of equals). The test decides
     * whether to leave the default, the accuracy where to go: asking each weight to pass the test on its own would favour
     * the weights closest to θ = 0, which reorder few pairs, so that a small gain is already significant, over a larger θ
     * that reorders many pairs and gains more. Plain accuracy, not the balanced one: on a task where the model's own
     * likelihood is right (KeySort) a larger θ wins the pairs the base model orders wrongly by preferring longer
     * responses, which raises the balanced accuracy and ruins the labels; and 200 pairs cannot tell weights a few points
     * apart, hence the test against the default.
     */
    public double bestWeight(double beta, LengthDebias debias) {
        double[] own = outcomes(beta, 0, debias);
        boolean leaveDefault = false;
        double best = 0;
        double bestAccuracy = mean(own);
        for (double w : WEIGHTS) {
            if (w == 0) continue;
            double[] o = outcomes(beta, w, debias);
            leaveDefault |= significantlyBetter(o, own);
            double accuracy = mean(o);
            if (accuracy > bestAccuracy) {
                best = w;
                bestAccuracy = accuracy;
            }
        }
        return leaveDefault ? best : 0;
    }

    /** Whether outcomes {@code o} beat {@code base} on the same pairs by a one-sided paired z-test at the 5% level. */
    private static boolean significantlyBetter(double[] o, double[] base) {
        double[] diff = new double[o.length];
        for (int i = 0; i < o.length; i++) diff[i] = o[i] - base[i];
        double gain = mean(diff);
        double ss = 0;
        for (double d : diff) ss += (d - gain) * (d - gain);
        double se = Math.sqrt(ss / Math.max(1, diff.length - 1) / diff.length);
        return gain > SIGNIFICANT_Z * se;
    }

    /** One-sided 5% level of the paired test in {@link #bestWeight}. */
    static final double SIGNIFICANT_Z = 1.645;

    /** Per pair: 1 when the judge orders it like the gold label, ½ on a tie, else 0. */
    private double[] outcomes(double beta, double referenceWeight, LengthDebias debias) {
        double[][] r = scores.rewards(beta, referenceWeight);
        double[] o = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            double chosen = debias.apply(r[i][0], lengths[i][0]);
            double rejected = debias.apply(r[i][1], lengths[i][1]);
            o[i] = chosen > rejected ? 1 : chosen == rejected ? 0.5 : 0;
        }
        return o;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }
}
