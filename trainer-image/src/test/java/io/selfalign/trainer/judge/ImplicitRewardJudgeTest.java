package io.selfalign.trainer.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.ModelConfig;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The implicit reward against a reference whose log-probs are known by hand: a model with all weights zero
 * has zero logits, so every token has log-prob −ln V and a response of n tokens scores −n·ln V.
 */
class ImplicitRewardJudgeTest {
    static final int VOCAB = 8;
    static final double BETA = 0.1;
    static final ModelConfig CONFIG = ModelConfig.builder().vocabSize(VOCAB).hiddenSize(8).intermediateSize(16).layers(1).heads(2)
            .maxPositions(16).build();
    static final long[] PROMPT = {1, 5, 4, 2};
    static final List<Candidate> CANDIDATES = List.of(new Candidate("a", new long[] {4, 5, 3}, true), new Candidate("b", new long[] {6, 3}, true));

    static DecoderModel uniform() {
        DecoderModel m = DecoderModel.random(CONFIG, Device.cpu(), 0);
        m.parameters().values().forEach(p -> p.muli(0));
        return m;
    }

    @Test
    void rewardIsBetaTimesPolicyMinusReferenceLogProb() {
        try (DecoderModel policy = DecoderModel.random(CONFIG, Device.cpu(), 3); DecoderModel reference = uniform()) {
            double[][] r = new ImplicitRewardJudge(policy, reference, 0, BETA, false, 4, 1.0)
                    .rewards(List.of(new JudgeRequest(null, PROMPT, CANDIDATES)));
            for (int j = 0; j < CANDIDATES.size(); j++) {
                long[] y = CANDIDATES.get(j).tokens();
                double policyLogProb = SequenceScorer.score(policy, List.of(new ScoringBatch.Pair(PROMPT, y)), 0, 1).get(0).sum();
                double referenceLogProb = -y.length * Math.log(VOCAB);
                assertEquals(BETA * (policyLogProb - referenceLogProb), r[0][j], 1e-5, "candidate " + j);
            }
        }
    }

    /** {@code judge.reference: none}: β times the policy's own log-prob; with {@code mean}, per token (SimPO's reward). */
    @Test
    void withoutReferenceRewardIsBetaTimesThePolicysOwnLogProb() {
        try (DecoderModel uniform = uniform(); DecoderModel policy = DecoderModel.random(CONFIG, Device.cpu(), 3)) {
            JudgeRequest request = new JudgeRequest(null, PROMPT, CANDIDATES);
            double[][] sum = new ImplicitRewardJudge(uniform, null, 0, BETA, false, 4, 1.0).rewards(List.of(request));
            double[][] mean = new ImplicitRewardJudge(uniform, null, 0, BETA, true, 4, 1.0).rewards(List.of(request));
            for (int j = 0; j < CANDIDATES.size(); j++) {
                int n = CANDIDATES.get(j).tokens().length;
                assertEquals(-BETA * n * Math.log(VOCAB), sum[0][j], 1e-5, "candidate " + j + " summed");
                assertEquals(-BETA * Math.log(VOCAB), mean[0][j], 1e-6, "candidate " + j + " per token");
            }
            double[][] own = new ImplicitRewardJudge(policy, null, 0, BETA, true, 4, 1.0).rewards(List.of(request));
            for (int j = 0; j < CANDIDATES.size(); j++) {
                double m = SequenceScorer.score(policy, List.of(new ScoringBatch.Pair(PROMPT, CANDIDATES.get(j).tokens())), 0, 1).get(0).mean();
                assertEquals(BETA * m, own[0][j], 1e-6, "candidate " + j);
            }
        }
    }

    /**
     * {@code judge.referenceWeight} θ: r = β·(mean log π − θ·mean log π_ref); against the uniform reference
     * (mean log-prob −ln V on every token) θ = ½ adds β·½·ln V to each policy mean.
     */
    @Test
    void referenceWeightScalesTheReferenceTerm() {
        try (DecoderModel policy = DecoderModel.random(CONFIG, Device.cpu(), 3); DecoderModel reference = uniform()) {
            double[][] r = new ImplicitRewardJudge(policy, reference, 0, BETA, true, 4, 0.5)
                    .rewards(List.of(new JudgeRequest(null, PROMPT, CANDIDATES)));
            for (int j = 0; j < CANDIDATES.size(); j++) {
                double m = SequenceScorer.score(policy, List.of(new ScoringBatch.Pair(PROMPT, CANDIDATES.get(j).tokens())), 0, 1).get(0).mean();
                assertEquals(BETA * (m + 0.5 * Math.log(VOCAB)), r[0][j], 1e-6, "candidate " + j);
            }
        }
    }

    /**
     * With a direction model: r = β·[(1 − θ)·mean log π + θ·(mean log π_dir − mean log π_ref)]; against the uniform
     * reference θ = ¼ gives β·[¾·m_π + ¼·(m_dir + ln V)], and the policy as its own direction model gives the plain judge.
     */
    @Test
    void aDirectionModelReplacesThePolicyInTheReferenceTerm() {
        try (DecoderModel policy = DecoderModel.random(CONFIG, Device.cpu(), 3); DecoderModel direction = DecoderModel.random(CONFIG, Device.cpu(), 4);
             DecoderModel reference = uniform()) {
            JudgeRequest request = new JudgeRequest(null, PROMPT, CANDIDATES);
            double[][] r = new ImplicitRewardJudge(policy, direction, reference, 0, BETA, true, 4, 0.25).rewards(List.of(request));
            double[][] own = new ImplicitRewardJudge(policy, policy, reference, 0, BETA, true, 4, 0.25).rewards(List.of(request));
            double[][] plain = new ImplicitRewardJudge(policy, reference, 0, BETA, true, 4, 0.25).rewards(List.of(request));
            for (int j = 0; j < CANDIDATES.size(); j++) {
                List<ScoringBatch.Pair> one = List.of(new ScoringBatch.Pair(PROMPT, CANDIDATES.get(j).tokens()));
                double mPolicy = SequenceScorer.score(policy, one, 0, 1).get(0).mean();
                double mDirection = SequenceScorer.score(direction, one, 0, 1).get(0).mean();
                assertEquals(BETA * (0.75 * mPolicy + 0.25 * (mDirection + Math.log(VOCAB))), r[0][j], 1e-6, "candidate " + j);
                assertEquals(plain[0][j], own[0][j], 1e-6, "candidate " + j);
            }
        }
    }

    /** Why {@code previous} must not be the policy itself: every reward is then 0 and every prompt a tie. */
    @Test
    void aPolicyJudgedAgainstItselfGivesZeroRewards() {
        try (DecoderModel policy = DecoderModel.random(CONFIG, Device.cpu(), 3)) {
            double[][] r = new ImplicitRewardJudge(policy, policy, 0, BETA, false, 4, 1.0).rewards(List.of(new JudgeRequest(null, PROMPT, CANDIDATES)));
            assertEquals(0.0, r[0][0]);
            assertEquals(0.0, r[0][1]);
        }
    }
}
