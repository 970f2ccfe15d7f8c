package io.selfalign.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.selfalign.api.round.Loss;
import io.selfalign.trainer.loss.PreferenceLoss;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.LoraAdapters;
import io.selfalign.trainer.model.ModelConfig;
import io.selfalign.trainer.score.ScoringBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which reference a round gets, and that every kind gives the starting model's scores S_ref. */
class ReferenceStrategyTest {
    private static final List<TokenizedPair> PAIRS = List.of(
            new TokenizedPair(new long[] {1, 10, 11}, new long[] {20, 21, 2}, new long[] {30, 31, 32, 2}),
            new TokenizedPair(new long[] {1, 12}, new long[] {22, 2}, new long[] {33, 34, 2}),
            new TokenizedPair(new long[] {1, 13, 14, 15}, new long[] {23, 24, 25, 2}, new long[] {35, 2}));
    private static final List<Integer> MICRO_BATCH = List.of(2, 0);
    private static final List<String> ALL_PROJECTIONS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    private static DecoderModel tinyModel() {
        ModelConfig config = ModelConfig.builder().vocabSize(48).hiddenSize(32).intermediateSize(64).layers(2).heads(4)
                .maxPositions(32).build();
        return DecoderModel.random(config, Device.cpu(), 7);
    }

    private static ReferenceStrategy choose(Loss loss, double lambda, DecoderModel policy) {
        return ReferenceStrategy.choose(new PreferenceLoss(loss, 0.1, 0.1, 0.5, 0.1), lambda, policy, PAIRS, 0, 4);
    }

    @Test
    void theLossAndLambdaChooseTheReference() {
        try (DecoderModel policy = tinyModel()) {
            assertInstanceOf(ReferenceStrategy.None.class, choose(Loss.SIMPO, 0, policy));
            assertInstanceOf(ReferenceStrategy.None.class, choose(Loss.ORPO, 0, policy));
            assertInstanceOf(ReferenceStrategy.ScoresBeforeTraining.class, choose(Loss.DPO, 0, policy));
            // Refinement without extrapolation needs no logits at every step.
            assertInstanceOf(ReferenceStrategy.ScoresBeforeTraining.class, choose(Loss.SPA, 0, policy));
            try (ReferenceStrategy frozen = choose(Loss.SPA, 0.5, policy)) {
                assertInstanceOf(ReferenceStrategy.FrozenCopy.class, frozen);
            }
            LoraAdapters.attach(policy, 4, 8, 0.0, ALL_PROJECTIONS, 3);
            assertInstanceOf(ReferenceStrategy.PolicyWithoutAdapters.class, choose(Loss.SPA, 0.5, policy));
        }
    }

    @Test
    void scoresBeforeTrainingAFrozenCopyAndTheBaseWeightsAgree() {
        try (DecoderModel policy = tinyModel(); NDScope scope = new NDScope()) {
            float[][] before = scores(choose(Loss.DPO, 0, policy), policy);
            float[][] frozen;
            try (ReferenceStrategy copy = choose(Loss.SPA, 0.5, policy)) {
                frozen = scores(copy, policy);
            }
            LoraAdapters.attach(policy, 4, 8, 0.0, ALL_PROJECTIONS, 3);
            float[][] base = scores(choose(Loss.SPA, 0.5, policy), policy);
            // Batches of different composition (all pairs vs this micro-batch) round differently.
            for (int side = 0; side < 2; side++) {
                assertArrayEquals(before[side], frozen[side], 1e-4f);
                assertArrayEquals(before[side], base[side], 1e-4f);
            }
        }
    }

    /** S_ref(y_w) and S_ref(y_l) of {@link #MICRO_BATCH} as the trainer asks for them. */
    private static float[][] scores(ReferenceStrategy reference, DecoderModel policy) {
        List<ScoringBatch.Pair> sequences = new ArrayList<>();
        for (int i : MICRO_BATCH) sequences.add(new ScoringBatch.Pair(PAIRS.get(i).prompt(), PAIRS.get(i).chosen()));
        for (int i : MICRO_BATCH) sequences.add(new ScoringBatch.Pair(PAIRS.get(i).prompt(), PAIRS.get(i).rejected()));
        NDManager manager = policy.manager();
        ReferenceStrategy.BatchReference ref = reference.of(ScoringBatch.of(sequences, 0, manager), MICRO_BATCH);
        return new float[][] {ref.chosen().toFloatArray(), ref.rejected().toFloatArray()};
    }
}
