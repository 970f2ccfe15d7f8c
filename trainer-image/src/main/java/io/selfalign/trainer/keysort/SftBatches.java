package io.selfalign.trainer.keysort;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns demonstrations into right-padded batches of whole sequences {@code BOS keys SEP response EOS},
 * the layout the sequence scorer takes: the loss covers only the response tokens and the final EOS (the
 * prompt's keys are random by construction, so predicting them would only teach noise).
 */
public final class SftBatches {
    /**
     * @param ids          [B, T] token ids, PAD after each sequence
     * @param attention    [B, T] 1 on real tokens
     * @param responseMask [B, T] 1 on response tokens and the EOS
     */
    public record Batch(int rows, int length, int[] ids, float[] attention, float[] responseMask) {
        public int trainedTokens() {
            int n = 0;
            for (float m : responseMask) n += (int) m;
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
        for (KeySortGenerator.Demo d : rows) length = Math.max(length, d.keys().length + d.response().length + 3);
        int[] ids = new int[rows.size() * length];
        float[] attention = new float[rows.size() * length];
        float[] response = new float[rows.size() * length];
        for (int b = 0; b < rows.size(); b++) {
            KeySortGenerator.Demo d = rows.get(b);
            int at = b * length;
            ids[at] = KeySortVocab.BOS;
            int n = 1;
            for (int k : d.keys()) ids[at + n++] = k;
            ids[at + n++] = KeySortVocab.SEP;
            int responseStart = n;
            for (int t : d.response()) ids[at + n++] = t;
            ids[at + n++] = KeySortVocab.EOS;
            for (int t = 0; t < n; t++) {
                attention[at + t] = 1f;
                if (t >= responseStart) response[at + t] = 1f;
            }
        }
        return new Batch(rows.size(), length, ids, attention, response);
    }
}
