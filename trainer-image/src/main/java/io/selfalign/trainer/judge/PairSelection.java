package io.selfalign.trainer.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * Best versus worst per prompt (SPA's {@code min_max}): chosen = the first candidate with the highest
 * reward, rejected = the last with the lowest — what a stable descending sort gives in SPA's code, so
 * that an exact tie keeps the first response as chosen. Only eligible candidates take part (e.g. the
 * finished ones when truncated responses are excluded); a prompt with fewer than two yields no pair.
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
     * @param dropTies leave out prompts whose best and worst rewards are equal
     */
    public static Outcome select(double[][] rewards, boolean[][] eligible, boolean dropTies) {
        List<Selected> pairs = new ArrayList<>();
        int ties = 0;
        int skipped = 0;
        double gapSum = 0;
        for (int i = 0; i < rewards.length; i++) {
            double[] r = rewards[i];
            if (r.length < 2) throw new IllegalArgumentException("prompt " + i + " has " + r.length + " candidates, need >= 2");
            int best = -1;
            int worst = -1;
            int n = 0;
            for (int j = 0; j < r.length; j++) {
                if (Double.isNaN(r[j])) throw new IllegalStateException("the judge gave prompt " + i + ", candidate " + j + " a NaN reward");
                if (!eligible[i][j]) continue;
                n++;
                if (best < 0 || r[j] > r[best]) best = j;
                if (worst < 0 || r[j] <= r[worst]) worst = j;
            }
            if (n < 2) {
                skipped++;
                continue;
            }
            Selected s = new Selected(i, best, worst, r[best], r[worst]);
            if (s.tie()) {
                ties++;
                if (dropTies) continue;
            }
            gapSum += s.gap();
            pairs.add(s);
        }
        return new Outcome(pairs, ties, skipped, pairs.isEmpty() ? 0 : gapSum / pairs.size());
    }
}
