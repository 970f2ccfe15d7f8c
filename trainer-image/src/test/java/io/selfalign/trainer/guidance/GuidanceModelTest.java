package io.selfalign.trainer.guidance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.GuidanceAggregation;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.GuidanceSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.CheckpointException;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.SafetensorsReader;
import io.selfalign.trainer.runtime.ComputeDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guidance model on the tiny-llama fixture (untied LM head, vocabulary 320): its head, fitting, save and load. */
class GuidanceModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long[] PROMPT = {1, 40, 41};

    private static GuidanceModel fresh() throws IOException {
        try (DecoderModel policy = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu())) {
            return GuidanceModel.fromPolicy(policy, GuidanceAggregation.MEAN, 0);
        }
    }

    /** Preferences a token head can learn: a response with token 10 beats one with token 20, whatever else it holds. */
    private static List<RankedList> lists() {
        List<RankedList> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            long filler = 50 + i;
            out.add(new RankedList(PROMPT, List.of(new long[] {filler, 10, 2}, new long[] {filler, 20, 2})));
            out.add(new RankedList(PROMPT, List.of(new long[] {10, filler, 2}, new long[] {filler, filler, 2}, new long[] {20, filler, 2})));
        }
        return out;
    }

    private static RoundSpec.Training training() {
        TrainingSpec t = new TrainingSpec();
        t.loss = Loss.DPO;
        t.epochs = 4;
        t.batchSize = 4;
        t.microBatchSize = 2;
        t.warmupRatio = 0;
        t.maxLength = 48;
        t.maxPromptLength = 24;
        t.guidance = new GuidanceSpec();
        t.guidance.learningRate = 1e-3;
        return RoundSpec.Training.of(t, 1, true);
    }

    @Test
    void aFreshHeadScoresEveryTokenZero() throws IOException {
        try (GuidanceModel g = fresh()) {
            assertArrayEquals(new float[] {0, 0, 0}, g.tokenScores(PROMPT, new long[] {10, 20, 2}), 0f);
        }
    }

    /** One model fitted to {@link #lists()} for the tests below (fitting is the slow part). */
    private static GuidanceModel fitted;
    private static GuidanceFit.Summary fit;

    @BeforeAll
    static void fit() throws IOException {
        fitted = fresh();
        fit = new GuidanceFit(fitted, training(), 3).fit(lists());
    }

    @AfterAll
    static void close() {
        fitted.close();
    }

    @Test
    void fittingToRankingsLearnsThemPairsAndTriplesAlike() {
        // 8 pairs and 8 triples, 4 lists a step: 4 steps per epoch.
        assertEquals(16, fit.steps());
        double[] e = fitted.score(GuidanceModel.sequences(lists().subList(0, 2)), 8);
        assertTrue(e[0] > e[1], "pair ordered: " + java.util.Arrays.toString(e));
        assertTrue(e[2] > e[3] && e[3] > e[4], "triple ordered: " + java.util.Arrays.toString(e));
        // Started at log 2 (pairs) and log 6 (triples) with every score 0; the last step is far below their mean.
        assertTrue(fit.lossFinal() < 0.5 * (Math.log(2) + Math.log(6)) / 2, "final loss " + fit.lossFinal());
    }

    @Test
    void aSavedGuidanceModelIsALlamaTokenClassifierThatLoadsBackWithTheSameScores() throws IOException {
        Path dir = tmp.resolve("guidance");
        float[] before = fitted.tokenScores(PROMPT, new long[] {10, 55, 20, 2});
        fitted.save(dir);
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals("LlamaForTokenClassification", config.get("architectures").get(0).asText());
        assertEquals(1, config.get("num_labels").asInt());
        try (SafetensorsReader reader = SafetensorsReader.open(dir)) {
            Map<String, SafetensorsReader.TensorInfo> tensors = reader.tensors();
            assertArrayEquals(new long[] {1, 64}, tensors.get("score.weight").shape());
            assertArrayEquals(new long[] {1}, tensors.get("score.bias").shape());
            assertFalse(tensors.containsKey("lm_head.weight"), "a token classifier has no LM head");
        }
        try (GuidanceModel loaded = GuidanceModel.load(dir, ComputeDevice.cpu(), GuidanceAggregation.MEAN, 0)) {
            // float32 saved and read back: the same bits, so the same scores.
            assertArrayEquals(before, loaded.tokenScores(PROMPT, new long[] {10, 55, 20, 2}), 0f);
        }
    }

    @Test
    void aCausalLmIsNotAGuidanceModel() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> GuidanceModel.load(Fixtures.dir("tiny-llama"), ComputeDevice.cpu(), GuidanceAggregation.MEAN, 0));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("num_labels 1"), e.getMessage());
    }

    @TempDir
    Path tmp;
}
