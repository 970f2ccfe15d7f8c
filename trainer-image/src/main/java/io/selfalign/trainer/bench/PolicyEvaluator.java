package io.selfalign.trainer.bench;

import io.selfalign.trainer.keysort.KeySortSampler;
import io.selfalign.trainer.keysort.KeySortTask;
import io.selfalign.trainer.keysort.KeySortVocab;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates models on the held-out test prompts against the SFT model (docs/algorithm.md §8 metrics): one
 * T=0.7 sample and the greedy response per prompt, gold win-rate against one SFT sample per prompt (drawn
 * once, with its own seed), mean gold reward, mean length, the share of greedy responses showing the task's habit,
 * and the KL estimate on the model's own samples.
 */
public final class PolicyEvaluator {
    private final KeySortTask task;
    private final DecoderModel sft;
    private final List<int[]> keys;
    private final int batchSize;
    private final long seed;
    private final double[] referenceRewards;

    public PolicyEvaluator(KeySortTask task, DecoderModel sft, List<int[]> testKeys, int batchSize, long seed) {
        this.task = task;
        this.sft = sft;
        this.keys = List.copyOf(testKeys);
        this.batchSize = batchSize;
        this.seed = seed;
        // the reference draw uses another seed than every evaluated draw, so SFT against itself is a fair coin
        this.referenceRewards = KeySortSampler.goldRewards(task, keys,
                KeySortSampler.sample(sft, keys, BenchSettings.TEMPERATURE, batchSize, seed * 7919 + 1));
    }

    public StageResult evaluate(DecoderModel policy, String arm, int iteration) {
        List<KeySortSampler.Response> sampled = KeySortSampler.sample(policy, keys, BenchSettings.TEMPERATURE, batchSize, seed * 7919 + 2);
        List<KeySortSampler.Response> greedy = KeySortSampler.sample(policy, keys, 0, batchSize, seed);
        double[] rewards = KeySortSampler.goldRewards(task, keys, sampled);
        double[] greedyRewards = KeySortSampler.goldRewards(task, keys, greedy);
        double habitShare = task.hasHabit() ? 100.0 * greedy.stream().filter(r -> r.showsHabit(task)).count() / greedy.size() : Double.NaN;
        double kl = policy == sft ? 0 : GoldEvaluation.klEstimate(logProbs(policy, sampled), logProbs(sft, sampled));
        double length = sampled.stream().mapToInt(r -> r.tokens().length).average().orElse(Double.NaN);
        return new StageResult(task.label(), seed, arm, iteration, keys.size(),
                GoldEvaluation.winRate(rewards, referenceRewards), GoldEvaluation.winRate(greedyRewards, referenceRewards),
                GoldEvaluation.mean(rewards), GoldEvaluation.mean(greedyRewards), length, habitShare, kl, null, java.util.Map.of(), Double.NaN);
    }

    /** Summed log-probabilities (response and its EOS) of the responses under {@code model}. */
    private double[] logProbs(DecoderModel model, List<KeySortSampler.Response> responses) {
        List<ScoringBatch.Pair> pairs = new ArrayList<>(responses.size());
        for (int i = 0; i < responses.size(); i++) {
            pairs.add(new ScoringBatch.Pair(KeySortSampler.promptIds(keys.get(i)), responses.get(i).scoredIds()));
        }
        return SequenceScorer.score(model, pairs, KeySortVocab.PAD, batchSize).stream().mapToDouble(SequenceScorer.Score::sum).toArray();
    }
}
