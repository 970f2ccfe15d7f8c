package io.selfalign.trainer.keysort;

import io.selfalign.trainer.score.ScoringBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Demonstrations as the sequence scorer's (prompt, response) pairs, shuffled into an epoch of batches:
 * the prompt is {@code BOS keys SEP}, the response the teacher's tokens plus EOS. Only the response and
 * its EOS are trained — the prompt's keys are random by construction, so predicting them would only
 * teach noise.
 */
public final class SftBatches {
    private SftBatches() {}

    public static ScoringBatch.Pair pair(KeySortGenerator.Demo d) {
        long[] response = new long[d.response().length + 1];
        for (int i = 0; i < d.response().length; i++) response[i] = d.response()[i];
        response[d.response().length] = KeySortVocab.EOS;
        return new ScoringBatch.Pair(KeySortSampler.promptIds(d.keys()), response);
    }

    /** The epoch's batches in a seeded shuffled order; the last batch may be smaller. */
    public static List<List<ScoringBatch.Pair>> epoch(List<KeySortGenerator.Demo> demos, int batchSize, SplittableRandom rng) {
        List<Integer> order = new ArrayList<>(demos.size());
        for (int i = 0; i < demos.size(); i++) order.add(i);
        Teacher.shuffle(order, rng);
        List<List<ScoringBatch.Pair>> batches = new ArrayList<>();
        for (int start = 0; start < order.size(); start += batchSize) {
            List<ScoringBatch.Pair> batch = new ArrayList<>();
            for (int i = start; i < Math.min(order.size(), start + batchSize); i++) batch.add(pair(demos.get(order.get(i))));
            batches.add(batch);
        }
        return batches;
    }

    public static int batchesPerEpoch(int demos, int batchSize) {
        return (demos + batchSize - 1) / batchSize;
    }

    /** Trained tokens of a batch: every response token and its EOS. */
    public static int trainedTokens(List<ScoringBatch.Pair> batch) {
        return batch.stream().mapToInt(p -> p.response().length).sum();
    }
}
