package io.selfalign.trainer.guidance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.selfalign.api.round.GuidanceAggregation;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;

/**
 * A response's sequence score e(x, y) from its token scores r_t (docs/algorithm.md §6): mean, sum or min over the
 * response's tokens. Differentiable, so the same code scores for the judge and for fitting.
 */
public final class Aggregation {
    // Added to the scores of other sequences' tokens before the min: far above any score a head gives.
    private static final float OUTSIDE = 1e9f;

    private Aggregation() {}

    /** Sequence scores [B] of the batch's sequences from their token scores [R] (float32). */
    public static NDArray of(GuidanceAggregation kind, NDArray tokenScores, ScoringBatch batch) {
        return switch (kind) {
            case SUM -> SequenceScorer.perSequence(tokenScores, batch);
            case MEAN -> SequenceScorer.perSequence(tokenScores, batch).div(lengths(batch, tokenScores.getManager()));
            case MIN -> {
                NDArray owned = batch.response().ownership(tokenScores.getManager());
                // [B,R]: each row its own tokens' scores, every other token pushed out of the minimum.
                yield tokenScores.reshape(1, -1).add(owned.neg().add(1).mul(OUTSIDE)).min(new int[] {1});
            }
        };
    }

    private static NDArray lengths(ScoringBatch batch, NDManager manager) {
        float[] n = new float[batch.response().sequences()];
        for (int owner : batch.response().owners()) n[owner]++;
        return manager.create(n);
    }
}
