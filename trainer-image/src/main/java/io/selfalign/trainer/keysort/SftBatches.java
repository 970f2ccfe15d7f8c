package io.selfalign.trainer.keysort;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns demonstrations into right-padded next-token batches: the input is {@code BOS keys SEP response},
 * the target at position t is token t+1, and only response tokens and the final EOS are trained
 * (the prompt's keys are random by construction, so predicting them would only teach noise).
 */
public final class SftBatches {
    /**
     * @param inputs  [B, T] token ids, PAD after the sequence
     * @param targets [B, T] the next token of every position (PAD where untrained)
     * @param mask    [B, T] 1 where the target is a response token or the EOS
     */
    public record Batch(int rows, int length, int[] inputs, int[] targets, float[] mask) {
        public int trainedTokens() {
            int n = 0;
            for (float m : mask) n += (int) m;
            return n;
        }
    }

    private SftBatches() {}

    /** The epoch's batches in a seeded shuffled order; the last batch may be smaller. */
    public static List<Batch> epoch(List<KeySortGenerator.Demo> demos, int batchSize, SplittableRandom rng) {
        List<Integer> order = new ArrayList<>(demos.size());
        for (int i = 0; i < demos.size(); i++) order.add(i);
        Teacher.shuffle(order, rng);
        List<Batch> batches = new ArrayList<>();
        for (int start = 0; start < order.size(); start += batchSize) {
            List<KeySortGenerator.Demo> rows = new ArrayList<>();
            for (int i = start; i < Math.min(order.size(), start + batchSize); i++) rows.add(demos.get(order.get(i)));
            batches.add(batch(rows));
        }
        return batches;
    }

    public static int batchesPerEpoch(int demos, int batchSize) {
        return (demos + batchSize - 1) / batchSize;
    }

    public static Batch batch(List<KeySortGenerator.Demo> rows) {
        int length = 0;
        for (KeySortGenerator.Demo d : rows) length = Math.max(length, d.keys().length + d.response().length + 2);
        int[] inputs = new int[rows.size() * length];
        int[] targets = new int[rows.size() * length];
        float[] mask = new float[rows.size() * length];
        for (int b = 0; b < rows.size(); b++) {
            KeySortGenerator.Demo d = rows.get(b);
            int[] seq = new int[d.keys().length + d.response().length + 3];
            int n = 0;
            seq[n++] = KeySortVocab.BOS;
            for (int k : d.keys()) seq[n++] = k;
            seq[n++] = KeySortVocab.SEP;
            int responseStart = n;
            for (int t : d.response()) seq[n++] = t;
            seq[n++] = KeySortVocab.EOS;
            for (int t = 0; t + 1 < n; t++) {
                inputs[b * length + t] = seq[t];
                targets[b * length + t] = seq[t + 1];
                // position t predicts token t+1: trained when t+1 is a response token or the EOS
                if (t + 1 >= responseStart) mask[b * length + t] = 1f;
            }
        }
        return new Batch(rows.size(), length, inputs, targets, mask);
    }
}
