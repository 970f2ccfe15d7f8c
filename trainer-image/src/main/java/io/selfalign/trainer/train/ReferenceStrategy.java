package io.selfalign.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.selfalign.trainer.loss.PreferenceLoss;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a micro-batch's reference scores S_ref come from. The reference is the policy as it is before training
 * (π_init at the seed stage, π_{i−1} after); with LoRA adapters it is the same model with the adapters off.
 */
sealed interface ReferenceStrategy extends AutoCloseable {

    /**
     * S_ref(y_w) and S_ref(y_l) of a micro-batch's B pairs, {@code [B]} each (null without a reference), and the
     * reference's response logits when noise detection extrapolates from them (else null).
     */
    record BatchReference(NDArray chosen, NDArray rejected, NDArray logits) {}

    /** The reference of the micro-batch {@code batch} (B chosen, then B rejected sequences) of {@code pairs}. */
    BatchReference of(ScoringBatch batch, List<Integer> pairs);

    @Override
    default void close() {
    }

    /**
     * The strategy of a round: none for a reference-free loss; the reference's full logits at every step when
     * SPA's noise detection extrapolates (λ > 0, docs/algorithm.md §4); otherwise its scores, computed once.
     */
    static ReferenceStrategy choose(PreferenceLoss loss, double lambda, DecoderModel policy, List<TokenizedPair> pairs,
                                    long padId, int scoringBatchSize) {
        if (lambda > 0) {
            return policy.adapters() == null ? new FrozenCopy(policy.copy()) : new PolicyWithoutAdapters(policy);
        }
        if (loss.usesReference()) {
            return ScoresBeforeTraining.of(policy, pairs, padId, scoringBatchSize);
        }
        return new None();
    }

    /** SimPO and ORPO: no reference. */
    record None() implements ReferenceStrategy {
        @Override
        public BatchReference of(ScoringBatch batch, List<Integer> pairs) {
            return new BatchReference(null, null, null);
        }
    }

    /**
     * S_ref(y_w) and S_ref(y_l) of every pair under the untrained policy, computed once without gradients before
     * the first step (fresh adapters add exactly 0): {@code scores[0]} chosen, {@code scores[1]} rejected.
     */
    record ScoresBeforeTraining(float[][] scores, NDManager manager) implements ReferenceStrategy {

        static ScoresBeforeTraining of(DecoderModel policy, List<TokenizedPair> pairs, long padId, int batchSize) {
            List<ScoringBatch.Pair> sequences = new ArrayList<>();
            for (TokenizedPair p : pairs) {
                sequences.add(new ScoringBatch.Pair(p.prompt(), p.chosen()));
                sequences.add(new ScoringBatch.Pair(p.prompt(), p.rejected()));
            }
            List<SequenceScorer.Score> scores = SequenceScorer.score(policy, sequences, padId, batchSize);
            float[][] out = new float[2][pairs.size()];
            for (int i = 0; i < pairs.size(); i++) {
                out[0][i] = (float) scores.get(2 * i).sum();
                out[1][i] = (float) scores.get(2 * i + 1).sum();
            }
            return new ScoresBeforeTraining(out, policy.manager());
        }

        @Override
        public BatchReference of(ScoringBatch batch, List<Integer> pairs) {
            return new BatchReference(manager.create(pick(scores[0], pairs)), manager.create(pick(scores[1], pairs)), null);
        }

        private static float[] pick(float[] values, List<Integer> indices) {
            float[] out = new float[indices.size()];
            for (int i = 0; i < out.length; i++) out[i] = values[indices.get(i)];
            return out;
        }
    }

    /** λ > 0 on a full model: a frozen copy of the starting policy runs alongside it (closed with the strategy). */
    record FrozenCopy(DecoderModel copy) implements ReferenceStrategy {
        @Override
        public BatchReference of(ScoringBatch batch, List<Integer> pairs) {
            return fromLogits(SequenceScorer.responseLogits(copy, batch), batch, pairs.size());
        }

        @Override
        public void close() {
            copy.close();
        }
    }

    /** λ > 0 with LoRA adapters: the policy's own base weights, no second copy. */
    record PolicyWithoutAdapters(DecoderModel policy) implements ReferenceStrategy {
        @Override
        public BatchReference of(ScoringBatch batch, List<Integer> pairs) {
            return fromLogits(policy.withoutAdapters(() -> SequenceScorer.responseLogits(policy, batch)), batch, pairs.size());
        }
    }

    private static BatchReference fromLogits(NDArray logits, ScoringBatch batch, int b) {
        NDArray scores = SequenceScorer.sequenceLogProbs(logits, batch);
        return new BatchReference(scores.get(new NDIndex("0:{}", b)), scores.get(new NDIndex("{}:", b)), logits);
    }
}
