package io.selfalign.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.selfalign.api.round.LrSchedule;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.score.SequenceScorer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Float16 weights with float32 master copies and dynamic loss scaling, exercised on CPU with a linear
 * least-squares model y = X·w (w* = [1, −2, 0.5]) and with the tiny-llama fixture.
 */
class MixedPrecisionTest {
    private NDManager manager;
    private NDArray x;
    private NDArray y;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu());
        x = manager.create(new float[] {1, 0, 2, 0, 1, -1, 2, 1, 0, -1, 3, 1, 0.5f, -0.5f, 1, 1, 1, 1, -2, 0, 1, 0, -1, 2}, new Shape(8, 3));
        y = x.matMul(manager.create(new float[] {1, -2, 0.5f}, new Shape(3, 1)));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** Runs {@code steps} AdamW steps from w = 0 and returns the float32 weights and the step reports. */
    private List<ParameterUpdater.Report> train(NDArray w, DynamicLossScaler scaler, int steps) {
        w.setRequiresGradient(true);
        Map<String, NDArray> named = new LinkedHashMap<>();
        named.put("lm.weight", w);
        TrainableParameters params = new TrainableParameters(named);
        ParameterUpdater updater = new ParameterUpdater(params, AdamW.withWeightDecay(0), LearningRateSchedule.of(LrSchedule.CONSTANT, 0, steps), 0.05, 1.0, scaler);
        NDArray x16 = x.toType(w.getDataType(), true);
        NDArray one32 = manager.ones(new Shape(1)); // a float32 operand promotes the float16 prediction (with gradient)
        List<ParameterUpdater.Report> reports = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = x16.matMul(w).mul(one32).sub(y).square().mean();
                gc.backward(loss.mul(updater.lossScale()));
            }
            reports.add(updater.step(s));
        }
        return reports;
    }

    @Test
    void float16WeightsWithMasterCopiesTrackFloat32Training() {
        NDArray w32 = manager.zeros(new Shape(3, 1));
        train(w32, DynamicLossScaler.none(), 30);
        NDArray w16 = manager.zeros(new Shape(3, 1), DataType.FLOAT16);
        List<ParameterUpdater.Report> reports = train(w16, new DynamicLossScaler(256, 2, 0.5, 1000), 30);
        assertEquals(DataType.FLOAT16, w16.getDataType());
        assertTrue(reports.stream().noneMatch(ParameterUpdater.Report::skipped));
        // fp16 forward/backward, fp32 update: within fp16 resolution of the fp32 run after 30 steps.
        assertArrayEquals(w32.toFloatArray(), w16.toType(DataType.FLOAT32, true).toFloatArray(), 5e-3f);
        assertFalse(w32.getFloat(0, 0) == 0f);
    }

    @Test
    void overflowSkipsTheStepAndHalvesTheScaleUntilGradientsFit() {
        NDArray w16 = manager.zeros(new Shape(3, 1), DataType.FLOAT16);
        // 2^30 overflows float16 in backward (max 65504); each skip halves the scale.
        List<ParameterUpdater.Report> reports = train(w16, new DynamicLossScaler(Math.pow(2, 30), 2, 0.5, 1000), 20);
        int skipped = 0;
        while (reports.get(skipped).skipped()) {
            assertEquals(Math.pow(2, 30 - skipped), reports.get(skipped).lossScale());
            skipped++;
        }
        assertTrue(skipped >= 10, "skipped " + skipped);
        assertTrue(reports.subList(skipped, 20).stream().noneMatch(ParameterUpdater.Report::skipped));
        assertFalse(w16.getFloat(0, 0) == 0f, "the first finite step updates the weights");
    }

    @Test
    void float16LlamaLearnsFromGradScalerDefaultsWithLeftPadding() throws IOException {
        try (DecoderModel model = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu(), DataType.FLOAT16)) {
            model.setTrainable(true);
            ParameterUpdater updater = new ParameterUpdater(new TrainableParameters(model.parameters()), AdamW.withWeightDecay(0),
                    LearningRateSchedule.of(LrSchedule.CONSTANT, 0, 40), 5e-3, 1.0, DynamicLossScaler.forFloat16());
            // Left-padded with the fixture's pad token (id 0, an all-zero embedding).
            NDArray ids = manager.create(new long[] {0, 0, 1, 40, 41, 42, 2, 1, 50, 51, 52, 53, 54, 2}, new Shape(2, 7));
            NDArray mask = ids.neq(0).toType(DataType.FLOAT32, false);
            NDArray targets = mask.get(":, 1:");
            List<Double> losses = new ArrayList<>();
            List<ParameterUpdater.Report> reports = new ArrayList<>();
            for (int step = 0; step < 40; step++) {
                try (NDScope scope = new NDScope()) {
                    NDArray loss;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray logp = SequenceScorer.tokenLogProbs(model.forward(ids, mask), ids);
                        loss = logp.mul(targets).sum().div(targets.sum()).neg();
                        gc.backward(loss.mul(updater.lossScale()));
                    }
                    losses.add((double) loss.getFloat());
                    reports.add(updater.step(step));
                }
            }
            assertTrue(losses.stream().allMatch(Double::isFinite), "losses " + losses);
            long applied = reports.stream().filter(r -> !r.skipped()).count();
            assertTrue(applied >= 25, applied + " of 40 steps applied");
            assertTrue(losses.get(39) < losses.get(0) * 0.8, "loss " + losses.get(0) + " -> " + losses.get(39));
        }
    }

    @Test
    void nonFiniteFloat32GradientIsAnError() {
        NDArray w = manager.zeros(new Shape(3, 1));
        w.setRequiresGradient(true);
        TrainableParameters params = new TrainableParameters(Map.of("w", w));
        ParameterUpdater updater = new ParameterUpdater(params, AdamW.withWeightDecay(0), LearningRateSchedule.of(LrSchedule.CONSTANT, 0, 1), 0.1, 1.0, DynamicLossScaler.none());
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(x.matMul(w).mul(Float.POSITIVE_INFINITY).sum());
        }
        assertThrows(NonFiniteGradientException.class, () -> updater.step(0));
    }

    @Test
    void normsAndBiasesGetNoWeightDecay() {
        Map<String, NDArray> named = new LinkedHashMap<>();
        for (String n : List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.0.input_layernorm.weight", "model.norm.weight",
                "model.layers.0.self_attn.q_proj.bias", "lm_head.weight")) {
            NDArray a = manager.zeros(new Shape(1));
            a.setRequiresGradient(true);
            named.put(n, a);
        }
        assertEquals(List.of(true, false, false, false, true), new TrainableParameters(named).decay());
    }
}
