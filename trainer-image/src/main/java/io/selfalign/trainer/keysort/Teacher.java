package io.selfalign.trainer.keysort;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The imperfect demonstrator of docs/algorithm.md §8: it corrupts the ideal response so that the SFT model
 * puts only part of its mass on it and sampled pairs differ in gold reward. Every response it writes
 * ends with EOS (at most 5 + 3 + 1 = 9 tokens, under the 12-token limit).
 */
public final class Teacher {
    static final double P_SORTED = 0.4;
    static final double P_DROP = 0.25;
    static final int INSERT_TRIALS = 3;
    static final double P_INSERT = 0.3;
    static final double P_DUPLICATE = 0.2;

    private Teacher() {}

    public static int[] respond(int[] keys, SplittableRandom rng) {
        List<Integer> y = new ArrayList<>();
        if (rng.nextDouble() < P_SORTED) {
            for (int k : GoldReward.ideal(keys)) y.add(k);
        } else {
            for (int k : keys) y.add(k);
            shuffle(y, rng);
        }
        List<Integer> kept = new ArrayList<>();
        for (int k : y) if (rng.nextDouble() >= P_DROP) kept.add(k);
        if (kept.isEmpty()) kept.add(y.get(rng.nextInt(y.size())));
        int inserts = 0;
        for (int i = 0; i < INSERT_TRIALS; i++) if (rng.nextDouble() < P_INSERT) inserts++;
        for (int i = 0; i < inserts; i++) {
            kept.add(rng.nextInt(kept.size() + 1), KeySortVocab.FIRST_CONTENT + rng.nextInt(KeySortVocab.CONTENT_COUNT));
        }
        if (rng.nextDouble() < P_DUPLICATE) {
            // the copy lands right after the original: a stutter, the typical duplicate of a sampler
            int at = rng.nextInt(kept.size());
            kept.add(at + 1, kept.get(at));
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    static void shuffle(List<Integer> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Integer t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
