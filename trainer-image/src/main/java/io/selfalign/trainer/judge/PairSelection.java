package io.selfalign.trainer.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * Best versus worst per prompt (SPA's {@code min_max}): chosen = the first candidate with the highest
 * reward, rejected = the last with the lowest — what a stable descending sort gives in SPA's code, so
 * that an exact tie keeps the first response as chosen.
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

    /** The selected pairs and how many prompts tied (all candidates with equal reward). */
    public record Outcome(List<Selected> pairs, int ties, double meanGap) {}

    private PairSelection() {}

    /**
     * @param rewards  {@code rewards[i][j]} for prompt i, candidate j (K ≥ 2 each)
     * @param dropTies leave out prompts whose best and worst rewards are equal
     */
    public static Outcome select(double[][] rewards, boolean dropTies) {
        List<Selected> pairs = new ArrayList<>();
        int ties = 0;
        double gapSum = 0;
        for (int i = 0; i < rewards.length; i++) {
            double[] r = rewards[i];
            if (r.length < 2) throw new IllegalArgumentException("prompt " + i + " has " + r.length + " candidates, need >= 2");
            int best = 0;
            int worst = r.length - 1;
            for (int j = 0; j < r.length; j++) {
                if (Double.isNaN(r[j])) throw new IllegalStateException("the judge gave prompt " + i + ", candidate " + j + " a NaN reward");
                if (r[j] > r[best]) best = j;
                if (r[r.length - 1 - j] < r[worst]) worst = r.length - 1 - j;
            }
            Selected s = new Selected(i, best, worst, r[best], r[worst]);
            if (s.tie()) {
                ties++;
                if (dropTies) continue;
            }
            gapSum += s.gap();
            pairs.add(s);
        }
        return new Outcome(pairs, ties, pairs.isEmpty() ? 0 : gapSum / pairs.size());
    }
}
