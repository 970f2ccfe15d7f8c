package io.selfalign.trainer.judge;

import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.ArrayList;
import java.util.List;

/**
 * SPA's direct preference judgment (docs/algorithm.md §2), generalised by a reference weight θ:
 * r(x, y) = β·[log π(y|x) − θ·log π_ref(y|x)], summed over the response tokens (EOS included) or, with
 * {@code mean}, averaged per token. θ = 1 is the paper's implicit reward; θ = 0 (or no reference at all) is the
 * policy's own likelihood — with {@code mean}, SimPO's reward; values between mix how typical a response is of
 * the policy with how far training moved the policy towards it. One no-grad forward pass per model and candidate.
 *
 * <p>With a direction model π_dir (the seed round's model, under {@code judge.select: validation}) the direction is
 * that model's instead of the policy's: r = β·[(1 − θ)·log π(y|x) + θ·(log π_dir(y|x) − log π_ref(y|x))] — the same
 * reward when π_dir is the policy, and at θ = 1 the implicit reward of what the gold seed pairs taught, which does not
 * drift with the policy's later self-training.
 */
public final class ImplicitRewardJudge implements Judge {
    private final DecoderModel policy;
    private final DecoderModel direction;
    private final DecoderModel reference;
    private final long padId;
    private final double beta;
    private final boolean mean;
    private final int batchSize;
    private final double referenceWeight;

    /** A judge whose direction is the policy's own ({@link #ImplicitRewardJudge(DecoderModel, DecoderModel, DecoderModel, long, double, boolean, int, double)}). */
    public ImplicitRewardJudge(DecoderModel policy, DecoderModel reference, long padId, double beta, boolean mean, int batchSize,
                               double referenceWeight) {
        this(policy, null, reference, padId, beta, mean, batchSize, referenceWeight);
    }

    /**
     * @param policy          π_{i−1}, the model that sampled the candidates
     * @param direction       π_dir, whose log-ratio to the reference is the direction, or null for the policy's own
     * @param reference       the judge reference (π_init by default), or null for none
     * @param mean            score with the per-token mean instead of the sum
     * @param batchSize       sequences per forward pass
     * @param referenceWeight θ, the reference's weight (unused without a reference)
     */
    public ImplicitRewardJudge(DecoderModel policy, DecoderModel direction, DecoderModel reference, long padId, double beta, boolean mean,
                               int batchSize, double referenceWeight) {
        this.policy = policy;
        this.direction = direction;
        this.reference = reference;
        this.padId = padId;
        this.beta = beta;
        this.mean = mean;
        this.batchSize = batchSize;
        this.referenceWeight = referenceWeight;
    }

    /**
     * The candidates' log-likelihood scores under the policy, the direction model (null: the policy's own) and the
     * reference (null without one), each the sum or the per-token mean: what every θ's reward is made of.
     */
    public record Scores(double[][] policy, double[][] direction, double[][] reference) {
        /** Scores whose direction is the policy's own. */
        public Scores(double[][] policy, double[][] reference) {
            this(policy, null, reference);
        }

        /** β·[policy − θ·reference], or with a direction model β·[(1 − θ)·policy + θ·(direction − reference)], per candidate. */
        public double[][] rewards(double beta, double referenceWeight) {
            double[][] out = new double[policy.length][];
            for (int i = 0; i < policy.length; i++) {
                out[i] = new double[policy[i].length];
                for (int j = 0; j < out[i].length; j++) {
                    double p = policy[i][j];
                    out[i][j] = reference == null ? beta * p
                            : direction == null ? beta * (p - referenceWeight * reference[i][j])
                            : beta * ((1 - referenceWeight) * p + referenceWeight * (direction[i][j] - reference[i][j]));
                }
            }
            return out;
        }
    }

    public Scores scores(List<JudgeRequest> requests) {
        List<ScoringBatch.Pair> sequences = new ArrayList<>();
        for (JudgeRequest r : requests) {
            for (Candidate c : r.candidates()) sequences.add(new ScoringBatch.Pair(r.promptTokens(), c.tokens()));
        }
        return new Scores(arrange(requests, SequenceScorer.score(policy, sequences, padId, batchSize)),
                direction == null || reference == null ? null : arrange(requests, SequenceScorer.score(direction, sequences, padId, batchSize)),
                reference == null ? null : arrange(requests, SequenceScorer.score(reference, sequences, padId, batchSize)));
    }

    @Override
    public double[][] rewards(List<JudgeRequest> requests) {
        return scores(requests).rewards(beta, referenceWeight);
    }

    private double[][] arrange(List<JudgeRequest> requests, List<SequenceScorer.Score> flat) {
        double[][] out = new double[requests.size()][];
        int k = 0;
        for (int i = 0; i < requests.size(); i++) {
            out[i] = new double[requests.get(i).candidates().size()];
            for (int j = 0; j < out[i].length; j++, k++) out[i][j] = mean ? flat.get(k).mean() : flat.get(k).sum();
        }
        return out;
    }
}
