package io.selfalign.trainer.keysort;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The seeded KeySort data generator (docs/algorithm.md §8). One seed fixes everything: the SFT
 * demonstrations (their own prompt pool), the preference pool with gold-labelled teacher pairs, the
 * iteration prompt slices and the held-out test prompts. Each part draws from its own split stream,
 * so changing one size does not reshuffle the others.
 */
public final class KeySortGenerator {
    /** Annotator noise of the gold labels: P(y1 ≻ y2) = σ((r*1 − r*2) / 0.25). */
    static final double LABEL_TEMPERATURE = 0.25;

    private KeySortGenerator() {}

    /** A demonstration: prompt keys and the teacher's response tokens (EOS implied). */
    public record Demo(int[] keys, int[] response) {
        public String prompt() {
            return KeySortVocab.promptText(keys);
        }
    }

    /** A gold-labelled preference pair on one prompt. */
    public record Pair(int[] keys, int[] chosen, int[] rejected) {
        public String prompt() {
            return KeySortVocab.promptText(keys);
        }
    }

    /**
     * @param sft    demonstrations for the base model
     * @param pool   one gold pair per pool prompt; the first {@code seedPairs} are the seed, the rest are
     *               the iteration slices' prompts in order (their pairs serve only the "100%" arm)
     * @param test   held-out evaluation prompts
     */
    public record Data(KeySortTask task, KeySortSizes sizes, long seed, List<Demo> sft, List<Pair> pool, List<int[]> test) {
        public List<Pair> seedPairs() {
            return pool.subList(0, sizes.seedPairs());
        }

        /** The held-out gold pairs ({@link KeySortSizes#validationPairs()}): the pool's last ones. */
        public List<Pair> validationPairs() {
            return pool.subList(pool.size() - sizes.validationPairs(), pool.size());
        }

        /** The pool without the validation pairs: what the "100%" arm may train on. */
        public List<Pair> trainingGold() {
            return pool.subList(0, pool.size() - sizes.validationPairs());
        }

        /** The prompt-only rows of every iteration slice, in slice order. */
        public List<int[]> iterationPrompts() {
            return pool.subList(sizes.seedPairs(), pool.size()).stream().map(Pair::keys).toList();
        }
    }

    public static Data generate(KeySortTask task, KeySortSizes sizes, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom sftRng = root.split();
        SplittableRandom poolRng = root.split();
        SplittableRandom testRng = root.split();
        List<Demo> sft = new ArrayList<>(sizes.sftDemos());
        for (int i = 0; i < sizes.sftDemos(); i++) {
            int[] keys = prompt(sftRng);
            sft.add(new Demo(keys, task.respond(keys, sftRng)));
        }
        List<Pair> pool = new ArrayList<>(sizes.poolSize());
        for (int i = 0; i < sizes.poolSize(); i++) pool.add(goldPair(task, prompt(poolRng), poolRng));
        List<int[]> test = new ArrayList<>(sizes.testPrompts());
        for (int i = 0; i < sizes.testPrompts(); i++) test.add(prompt(testRng));
        return new Data(task, sizes, seed, List.copyOf(sft), List.copyOf(pool), List.copyOf(test));
    }

    /** Prompt keys: m ~ U{2..5} distinct content tokens in random order. */
    public static int[] prompt(SplittableRandom rng) {
        int m = 2 + rng.nextInt(4);
        List<Integer> all = new ArrayList<>(KeySortVocab.CONTENT_COUNT);
        for (int t = KeySortVocab.FIRST_CONTENT; t < KeySortVocab.SIZE; t++) all.add(t);
        Teacher.shuffle(all, rng);
        return all.subList(0, m).stream().mapToInt(Integer::intValue).toArray();
    }

    /** Two independent teacher samples, ordered by a noisy gold annotator (off-policy, like UltraFeedback). */
    static Pair goldPair(KeySortTask task, int[] keys, SplittableRandom rng) {
        int[] y1 = task.respond(keys, rng);
        int[] y2 = task.respond(keys, rng);
        double r1 = task.goldReward(keys, y1, true);
        double r2 = task.goldReward(keys, y2, true);
        double p1 = 1 / (1 + Math.exp(-(r1 - r2) / LABEL_TEMPERATURE));
        return rng.nextDouble() < p1 ? new Pair(keys, y1, y2) : new Pair(keys, y2, y1);
    }
}
