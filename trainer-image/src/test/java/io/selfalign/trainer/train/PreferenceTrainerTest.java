package io.selfalign.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.LrSchedule;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.loss.Losses;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.LoraAdapters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Preference training of the tiny-llama fixture on four hand-made token-id pairs (CPU, float32). */
class PreferenceTrainerTest {
    private static final List<TokenizedPair> PAIRS = List.of(
            new TokenizedPair(new long[] {1, 10, 11}, new long[] {20, 21, 2}, new long[] {30, 31, 32, 2}),
            new TokenizedPair(new long[] {1, 12}, new long[] {22, 2}, new long[] {33, 34, 2}),
            new TokenizedPair(new long[] {1, 13, 14, 15}, new long[] {23, 24, 25, 2}, new long[] {35, 2}),
            new TokenizedPair(new long[] {1, 16}, new long[] {26, 2}, new long[] {36, 37, 38, 39, 2}));

    static RoundSpec.Training config(Loss loss, int epochs, int batch, int micro, double lambda) {
        TrainingSpec t = new TrainingSpec();
        t.loss = loss;
        t.learningRate = 5e-3;
        t.epochs = epochs;
        t.batchSize = batch;
        t.microBatchSize = micro;
        t.warmupRatio = 0.0;
        t.schedule = LrSchedule.CONSTANT;
        t.maxLength = 64;
        t.maxPromptLength = 32;
        t.refinement.noisyFraction = 0.25;
        t.refinement.window = 4;
        t.refinement.warmupFraction = 0.0;
        t.refinement.extrapolation = List.of(lambda);
        return RoundSpec.Training.of(t, 1);
    }

    private static DecoderModel load() throws IOException {
        return Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu(), DataType.FLOAT32);
    }

    private static List<PreferenceTrainer.StepMetrics> train(DecoderModel model, RoundSpec.Training cfg) {
        List<PreferenceTrainer.StepMetrics> steps = new ArrayList<>();
        new PreferenceTrainer(model, 0, Losses.forRound(cfg), cfg, 42).train(PAIRS, steps::add);
        return steps;
    }

    private static float[] weights(DecoderModel m) {
        return m.parameters().get("model.layers.0.self_attn.qkv_proj.weight").toFloatArray();
    }

    @Test
    void dpoStartsAtLogTwoAndLearnsThePreferences() throws IOException {
        try (DecoderModel model = load()) {
            List<PreferenceTrainer.StepMetrics> steps = train(model, config(Loss.DPO, 6, 4, 2, 0));
            assertEquals(6, steps.size());
            // Policy = reference at the first step: z = 0, loss = log 2, rewards 0.
            assertEquals(Math.log(2), steps.get(0).loss(), 1e-5);
            assertEquals(0, steps.get(0).margin(), 1e-6);
            PreferenceTrainer.StepMetrics last = steps.get(5);
            assertTrue(last.loss() < 0.6, "loss " + last.loss());
            assertEquals(1.0, last.accuracy());
            assertTrue(last.margin() > 0);
            assertTrue(last.tokens() > 0);
        }
    }

    @Test
    void gradientAccumulationEqualsOneLargeBatch() throws IOException {
        try (DecoderModel a = load(); DecoderModel b = load()) {
            train(a, config(Loss.DPO, 1, 4, 1, 0));
            train(b, config(Loss.DPO, 1, 4, 4, 0));
            assertArrayEquals(weights(a), weights(b), 1e-6f);
        }
    }

    @Test
    void trainingIsDeterministicForASeed() throws IOException {
        try (DecoderModel a = load(); DecoderModel b = load()) {
            train(a, config(Loss.SPA, 2, 2, 1, 0.5));
            train(b, config(Loss.SPA, 2, 2, 1, 0.5));
            assertArrayEquals(weights(a), weights(b), 0f);
        }
    }

    @Test
    void spaWithExtrapolationFlagsEveryPairWhileTheWindowIsEmpty() throws IOException {
        try (DecoderModel model = load()) {
            RoundSpec.Training cfg = config(Loss.SPA, 1, 4, 2, 0.5);
            List<PreferenceTrainer.StepMetrics> steps = new ArrayList<>();
            PreferenceTrainer.Summary summary = new PreferenceTrainer(model, 0, Losses.forRound(cfg), cfg, 42).train(PAIRS, steps::add);
            // Before any update h̃ = h_ref, so μ̃ = 0 ≤ τ = 0: all four pairs are flagged (with confidence ½),
            // and once the window (W = 4) is full τ = mean(sorted[1], sorted[2]) = 0.
            assertEquals(1.0, steps.get(0).flaggedFraction());
            assertEquals(0.0, steps.get(0).tau());
            summary.outcomes().forEach(o -> assertEquals(0.5, o.confidence(), 1e-6));
            assertTrue(summary.outcomes().stream().allMatch(PreferenceTrainer.PairOutcome::flagged));
            // With α = 0.1 after a zero-length warm-up the flagged loss is cDPO at z = 0: still log 2.
            assertEquals(Math.log(2), steps.get(0).loss(), 1e-5);
        }
    }

    @Test
    void float16WeightsTrainThroughFloat32MasterCopiesOnCpu() throws IOException {
        try (DecoderModel model = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu(), DataType.FLOAT16)) {
            float[] before = model.parameters().get("model.layers.0.self_attn.qkv_proj.weight").toType(DataType.FLOAT32, true).toFloatArray();
            // Pads with the fixture's pad token (id 0), whose embedding is all zeros.
            List<PreferenceTrainer.StepMetrics> steps = train(model, config(Loss.SPA, 1, 4, 2, 0.5));
            assertEquals(DataType.FLOAT16, model.dataType());
            // fp16 logits promoted to fp32 for the loss: log 2 at the first step up to fp16 rounding of the logits.
            assertEquals(Math.log(2), steps.get(0).loss(), 1e-3);
            assertEquals(65536.0, steps.get(0).lossScale());
            assertTrue(Double.isFinite(steps.get(0).gradNorm()) && steps.get(0).gradNorm() > 0);
            float[] after = model.parameters().get("model.layers.0.self_attn.qkv_proj.weight").toType(DataType.FLOAT32, true).toFloatArray();
            assertFalse(Arrays.equals(before, after), "the float16 weights were updated");
        }
    }

    @Test
    void lengthLimitsCutThePromptFromTheLeftThenTheResponses() {
        LengthLimits limits = new LengthLimits(6, 3);
        TokenizedPair p = new TokenizedPair(new long[] {1, 2, 3, 4, 5}, new long[] {6, 7}, new long[] {8, 9, 10});
        TokenizedPair cut = limits.apply(p); // 5 + 3 > 6 → prompt keeps its last 3; 3 + 3 = 6 fits
        assertArrayEquals(new long[] {3, 4, 5}, cut.prompt());
        assertArrayEquals(new long[] {8, 9, 10}, cut.rejected());
        TokenizedPair longAnswer = new TokenizedPair(new long[] {1, 2}, new long[] {6, 7, 8, 9, 10}, new long[] {11});
        TokenizedPair cut2 = limits.apply(longAnswer); // 2 + 5 > 6; prompt ≤ 3 stays; still > 6 → responses to 6 − 3 = 3
        assertArrayEquals(new long[] {1, 2}, cut2.prompt());
        assertArrayEquals(new long[] {6, 7, 8}, cut2.chosen());
        assertArrayEquals(new long[] {11}, cut2.rejected());
        assertTrue(limits.apply(new TokenizedPair(new long[] {1}, new long[] {2}, new long[] {3})).prompt().length == 1);
    }

    @Test
    void loraDpoTrainsOnlyTheAdaptersAndLearnsThePreferences() throws IOException {
        try (DecoderModel model = load()) {
            float[] before = weights(model);
            LoraAdapters.attach(model, 8, 16, 0.0, RoundSpec.Lora.MODULES, 1);
            List<PreferenceTrainer.StepMetrics> steps = train(model, config(Loss.DPO, 6, 4, 2, 0));
            assertEquals(Math.log(2), steps.get(0).loss(), 1e-5); // fresh adapters: policy = reference
            PreferenceTrainer.StepMetrics last = steps.get(5);
            assertTrue(last.loss() < 0.6, "loss " + last.loss());
            assertEquals(1.0, last.accuracy());
            assertArrayEquals(before, weights(model), "the base weights are frozen");
        }
    }

    @Test
    void loraSpaExtrapolatesAgainstTheModelWithItsAdaptersOff() throws IOException {
        try (DecoderModel model = load()) {
            LoraAdapters.attach(model, 8, 16, 0.0, RoundSpec.Lora.MODULES, 1);
            List<PreferenceTrainer.StepMetrics> steps = train(model, config(Loss.SPA, 6, 4, 2, 0.5));
            // The reference is the adapters-off forward: equal to the policy before the first update.
            assertEquals(Math.log(2), steps.get(0).loss(), 1e-5);
            assertEquals(0, steps.get(0).margin(), 1e-6);
            assertTrue(steps.get(5).loss() < steps.get(0).loss(), "loss " + steps.get(0).loss() + " -> " + steps.get(5).loss());
            assertTrue(steps.get(5).margin() > 0);
        }
    }
}
