package io.selfalign.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The sampler draws from the distribution it promises: frequencies over many rows of the same logits match
 * softmax(logits / T) restricted to top-k / top-p and renormalised. With 40,000 draws a frequency's standard
 * deviation is at most 0.0025, so the tolerance of 0.012 is about five of them.
 */
class TokenSamplerTest {
    private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f};
    private static final int ROWS = 40_000;
    private static final double TOLERANCE = 0.012;

    @Test
    void temperatureSamplingMatchesTheSoftmax() {
        assertFrequencies(SamplingParams.sample(0.7, 1.0, 0, 1, ROWS), expected(0.7, LOGITS.length));
    }

    @Test
    void topKKeepsOnlyTheKMostLikelyTokens() {
        assertFrequencies(SamplingParams.sample(1.0, 1.0, 3, 1, ROWS), expected(1.0, 3));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // At T = 1 the probabilities are .561, .206, .125, .076, ...: the first two hold .767, so top-p 0.7 keeps them.
        assertFrequencies(SamplingParams.sample(1.0, 0.7, 0, 1, ROWS), expected(1.0, 2));
        // A top-p below the first token's probability keeps that token alone.
        assertFrequencies(SamplingParams.sample(1.0, 0.3, 0, 1, ROWS), expected(1.0, 1));
    }

    @Test
    void greedyIsTheArgmax() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray logits = m.create(new float[] {0f, 3f, 1f, 5f, 4f, 2f}, new Shape(2, 3));
            long[] picked = new TokenSampler(SamplingParams.greedy(1, 2), m).next(logits).toLongArray();
            assertArrayEquals(new long[] {1, 0}, picked);
        }
    }

    @Test
    void bannedTokensAreNeverPickedEvenWhenTheirLogitsAreHighest() {
        // KeySort's vocabulary: <pad>, <s>, <sep> get logit 20 (e^20 times likelier than any other token), </s> and k04..k35 get 0.
        int vocab = io.selfalign.trainer.keysort.KeySortVocab.SIZE;
        long[] banned = {0, 1, 2};
        int rows = 4_000;
        float[] logits = new float[rows * vocab];
        for (int r = 0; r < rows; r++) {
            for (long id : banned) logits[r * vocab + (int) id] = 20f;
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Engine.getInstance().setRandomSeed(3);
            for (SamplingParams p : java.util.List.of(SamplingParams.sample(1.0, 1.0, 0, 1, rows), SamplingParams.sample(1.0, 0.9, 5, 1, rows),
                    SamplingParams.greedy(1, rows))) {
                long[] picked = new TokenSampler(p, m, vocab, banned).next(m.create(logits, new Shape(rows, vocab))).toLongArray();
                java.util.Set<Long> seen = new java.util.TreeSet<>();
                for (long t : picked) seen.add(t);
                assertEquals(Math.min(vocab - banned.length, p.isGreedy() ? 1 : p.topK() > 0 ? p.topK() : vocab - banned.length), seen.size(),
                        "tokens drawn: " + seen);
                for (long id : banned) assertEquals(false, seen.contains(id), "banned id " + id + " drawn with " + p);
            }
            // Without the ban the same logits pick them almost always: the test can fail.
            long[] free = new TokenSampler(SamplingParams.greedy(1, rows), m).next(m.create(logits, new Shape(rows, vocab))).toLongArray();
            assertEquals(0, free[0]);
        }
    }

    /** softmax(LOGITS / t) over the first {@code keep} tokens (LOGITS is sorted), renormalised. */
    private static double[] expected(double t, int keep) {
        double[] p = new double[LOGITS.length];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(LOGITS[i] / t);
            sum += p[i];
        }
        for (int i = 0; i < keep; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static void assertFrequencies(SamplingParams params, double[] want) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] rows = new float[ROWS * LOGITS.length];
            for (int r = 0; r < ROWS; r++) {
                System.arraycopy(LOGITS, 0, rows, r * LOGITS.length, LOGITS.length);
            }
            Engine.getInstance().setRandomSeed(11);
            long[] picked = new TokenSampler(params, m).next(m.create(rows, new Shape(ROWS, LOGITS.length))).toLongArray();
            double[] freq = new double[LOGITS.length];
            for (long token : picked) {
                freq[(int) token] += 1.0 / ROWS;
            }
            for (int i = 0; i < want.length; i++) {
                if (want[i] == 0) {
                    assertEquals(0.0, freq[i], 0.0, "token " + i + " is outside the kept set and must never be drawn");
                } else {
                    assertEquals(want[i], freq[i], TOLERANCE, "frequency of token " + i);
                }
            }
        }
    }
}
