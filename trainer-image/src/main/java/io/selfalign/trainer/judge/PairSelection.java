package io.selfalign.trainer.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * Best versus worst per prompt (SPA's {@code min_max}): chosen = the first candidate with the highest
 * reward, rejected = the last with the lowest — what a stable descending sort gives in SPA's code, so
 * that an exact tie keeps the first response as chosen. Only eligible candidates take part (e.g. the
 * finished ones when truncated responses are excluded), and a pair's two candidates must share a group
 * (e.g. their length, to pair equal-length responses only): within each group best versus worst, and of
 * the groups the one with the widest reward gap (the first on equal gaps). A prompt without two eligible
 * candidates in one group yields no pair.
 */
public final class PairSelection {
    /** One labeled pair: indices into the request's candidates, and their rewards. */
    public record Selected(int request, int chosen, int rejected, double chosenReward, double rejectedReward) {
        public boolean tie() {
            return chosenReward == rejectedReward;
        }

        public double gap() {
            return chosenReward - rejectedReward;
        }
    }

    /**
     * The selected pairs, how many prompts tied (all eligible candidates with equal reward) and how many
     * had fewer than two eligible candidates.
     */
    public record Outcome(List<Selected> pairs, int ties, int skipped, double meanGap) {}

    private PairSelection() {}

    /**
     * @param rewards  {@code rewards[i][j]} for prompt i, candidate j (K ≥ 2 each)
     * @param eligible {@code eligible[i][j]}: candidate j of prompt i may be paired
     * @param group    {@code group[i][j]}: only candidates of the same group are paired (all equal: no constraint)
     * @param dropTies leave out prompts whose best and worst rewards are equal
     */
    public static Outcome select(double[][] rewards, boolean[][] eligible, int[][] group, boolean dropTies) {
        List<Selected> pairs = new ArrayList<>();
        int ties = 0;
        int skipped = 0;
        double gapSum = 0;
        for (int i = 0; i < rewards.length; i++) {
            double[] r = rewards[i];
            if (r.length < 2) throw new IllegalArgumentException("prompt " + i + " has " + r.length + " candidates, need >= 2");
            Selected s = null;
            for (int j = 0; j < r.length; j++) {
                if (Double.isNaN(r[j])) throw new IllegalStateException("the judge gave prompt " + i + ", candidate " + j + " a NaN reward");
            }
            for (int first = 0; first < r.length; first++) {
                if (!eligible[i][first] || firstOfGroup(group[i], eligible[i], first) != first) continue;
                Selected g = bestVersusWorst(i, r, eligible[i], group[i], group[i][first]);
                if (g != null && (s == null || g.gap() > s.gap())) s = g;
            }
            if (s == null) {
                skipped++;
                continue;
            }
            if (s.tie()) {
                ties++;
                if (dropTies) continue;
            }
            gapSum += s.gap();
            pairs.add(s);
        }
        return new Outcome(pairs, ties, skipped, pairs.isEmpty() ? 0 : gapSum / pairs.size());
    }

    private static int firstOfGroup(int[] group, boolean[] eligible, int j) {
        for (int m = 0; m < j; m++) {
            if (eligible[m] && group[m] == group[j]) return m;
        }
        return j;
    }

    /** Within one group: the first highest against the last lowest; null when the group has one member. */
    private static Selected bestVersusWorst(int i, double[] r, boolean[] eligible, int[] group, int g) {
        int best = -1;
        int worst = -1;
        int n = 0;
        for (int j = 0; j < r.length; j++) {
            if (!eligible[j] || group[j] != g) continue;
            n++;
            if (best < 0 || r[j] > r[best]) best = j;
            if (worst < 0 || r[j] <= r[worst]) worst = j;
        }
        return n < 2 ? null : new Selected(i, best, worst, r[best], r[worst]);
    }
}
