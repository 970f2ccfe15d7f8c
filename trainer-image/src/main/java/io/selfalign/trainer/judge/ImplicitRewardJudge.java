package io.selfalign.trainer.judge;

import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.ArrayList;
import java.util.List;

/**
 * SPA's direct preference judgment (docs/algorithm.md §2): r(x, y) = β·[log π(y|x) − log π_ref(y|x)], the
 * policy's implicit reward against the judge reference, summed over the response tokens (EOS included)
 * or, with {@code mean}, averaged per token. Two no-grad forward passes per candidate. Without a reference
 * ({@code judge.reference: none}, Selfalign's default) the reward is β·log π(y|x) alone, one forward pass: with
 * {@code mean} (the default score), SimPO's reward.
 */
public final class ImplicitRewardJudge implements Judge {
    private final DecoderModel policy;
    private final DecoderModel reference;
    private final long padId;
    private final double beta;
    private final boolean mean;
    private final int batchSize;

    /**
     * @param policy    π_{i−1}, the model that sampled the candidates
     * @param reference the judge reference (π_init by default), or null for none
     * @param mean      score with the per-token mean instead of the sum
     * @param batchSize sequences per forward pass
     */
    public ImplicitRewardJudge(DecoderModel policy, DecoderModel reference, long padId, double beta, boolean mean, int batchSize) {
        this.policy = policy;
        this.reference = reference;
        this.padId = padId;
        this.beta = beta;
        this.mean = mean;
        this.batchSize = batchSize;
    }

    @Override
    public double[][] rewards(List<JudgeRequest> requests) {
        List<ScoringBatch.Pair> sequences = new ArrayList<>();
        for (JudgeRequest r : requests) {
            for (Candidate c : r.candidates()) {
                sequences.add(new ScoringBatch.Pair(r.promptTokens(), c.tokens()));
            }
        }
        List<SequenceScorer.Score> policyScores = SequenceScorer.score(policy, sequences, padId, batchSize);
        List<SequenceScorer.Score> referenceScores = reference == null ? null : SequenceScorer.score(reference, sequences, padId, batchSize);
        double[][] out = new double[requests.size()][];
        int k = 0;
        for (int i = 0; i < requests.size(); i++) {
            out[i] = new double[requests.get(i).candidates().size()];
            for (int j = 0; j < out[i].length; j++, k++) {
                SequenceScorer.Score p = policyScores.get(k);
                double own = mean ? p.mean() : p.sum();
                if (referenceScores == null) {
                    out[i][j] = beta * own;
                } else {
                    SequenceScorer.Score q = referenceScores.get(k);
                    out[i][j] = beta * (own - (mean ? q.mean() : q.sum()));
                }
            }
        }
        return out;
    }
}
