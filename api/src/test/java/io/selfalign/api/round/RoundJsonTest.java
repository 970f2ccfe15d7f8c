package io.selfalign.api.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.selfalign.api.v1alpha1.LoraSpec;
import io.selfalign.api.v1alpha1.TrainingSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundJsonTest {

    static RoundSpec sample() {
        return RoundWireFormatTest.spec();
    }

    @Test
    void specRoundTripsThroughJson() throws Exception {
        RoundSpec spec = sample();
        assertEquals(spec, RoundJson.readSpec(RoundJson.write(spec)));
        assertTrue(spec.problems().isEmpty(), spec.problems().toString());
    }

    @Test
    void resultRoundTripsThroughJson() throws Exception {
        RoundResult r = new RoundResult(1, 2, "abc", "/workspace/runs/a/b/iter-2/model", 12.5,
                Map.of("loss_final", 0.61, "accuracy", 0.75), "ok");
        assertEquals(r, RoundJson.readResult(RoundJson.write(r)));
    }

    @Test
    void theDecisionFieldsAreTypedAndAlsoReportedAsMetrics() throws Exception {
        RoundResult stopped = new RoundResult(1, 2, "abc", null, 3.0, true, 0.41, null, Map.of("pairs", 7.0), "stopped", null);
        String json = RoundJson.write(stopped);
        assertTrue(json.contains("\"guardStopped\":true") && json.contains("\"judgeAccuracy\":0.41"), json);
        assertEquals(Map.of("pairs", 7.0, "guard_stopped", 1.0, "judge_accuracy", 0.41), stopped.metrics());
        assertEquals(stopped, RoundJson.readResult(json));
        assertTrue(!RoundJson.write(new RoundResult(1, 2, "abc", "/m", 3.0, Map.of(), "ok")).contains("guardStopped"));
    }

    @Test
    void aResultFromBeforeTheTypedFieldsReadsTheSame() throws Exception {
        RoundResult old = RoundJson.readResult("{\"checkpoint\":\"/m\",\"durationSeconds\":3.0,\"iteration\":2,\"message\":\"ok\","
                + "\"metrics\":{\"judge_accuracy\":0.7,\"pairs\":7.0,\"validation_accuracy\":0.8},\"specHash\":\"abc\",\"version\":1}");
        assertEquals(new RoundResult(1, 2, "abc", "/m", 3.0, false, 0.7, 0.8, Map.of("pairs", 7.0), "ok", null), old);
        RoundResult stopped = RoundJson.readResult("{\"durationSeconds\":1.0,\"iteration\":2,\"metrics\":{\"guard_stopped\":1.0,\"judge_accuracy\":0.4},\"version\":1}");
        assertTrue(stopped.guardStopped());
        assertEquals(0.4, stopped.judgeAccuracy());
    }

    @Test
    void hashIgnoresRuntimeButNotWork() {
        RoundSpec a = sample();
        RoundSpec otherPort = a.withRuntime(new RoundSpec.Runtime(DeviceKind.GPU, ComputeDtype.FLOAT16, 0, "/tmp/t"));
        RoundSpec otherSeed = a.withSeed(7);
        assertEquals(RoundJson.specHash(a), RoundJson.specHash(otherPort));
        assertNotEquals(RoundJson.specHash(a), RoundJson.specHash(otherSeed));
    }

    @Test
    void problemsNameTheField() {
        RoundSpec a = sample();
        TrainingSpec t = RoundWireFormatTest.training();
        t.loss = null;
        t.microBatchSize = 5;
        RoundSpec.Paths p0 = a.paths();
        RoundSpec bad = new RoundSpec(a.version(), a.run(), 5, a.iterations(), a.seed(),
                new RoundSpec.Paths(p0.workspace(), "/etc/passwd", p0.policyModel(), p0.judgeReference(), p0.outputDir()),
                a.data(), a.generation(), a.judge(), RoundSpec.Training.of(t, 5), a.runtime());
        List<String> p = bad.problems();
        assertTrue(p.stream().anyMatch(s -> s.startsWith("iteration:")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("paths.baseModel:") && s.contains("outside the workspace")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("training.loss: required")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("training.microBatchSize:")), p.toString());
    }

    @Test
    void loraIsOmittedWhenOffAndRoundTripsWhenOn() throws Exception {
        RoundSpec off = sample();
        assertTrue(!RoundJson.write(off).contains("lora"), RoundJson.write(off));
        RoundSpec on = withLora(off, 16, 32.0, 0.05, List.of("q_proj", "v_proj"));
        String json = RoundJson.write(on);
        assertTrue(json.contains("\"lora\":{\"alpha\":32.0,\"dropout\":0.05,\"rank\":16,\"targetModules\":[\"q_proj\",\"v_proj\"]}"), json);
        assertEquals(on, RoundJson.readSpec(json));
        assertTrue(on.problems().isEmpty(), on.problems().toString());
        assertNotEquals(RoundJson.specHash(off), RoundJson.specHash(on));
    }

    @Test
    void loraProblemsNameTheField() {
        RoundSpec a = sample();
        RoundSpec bad = withLora(a, 0, Double.NaN, 1.0, List.of("q_proj", "wq", "q_proj"));
        assertEquals(List.of("training.lora.rank: must be >= 1, got 0", "training.lora.alpha: must be > 0, got NaN",
                "training.lora.dropout: must be in [0, 1), got 1.0",
                "training.lora.targetModules[1]: must be one of [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj], got wq",
                "training.lora.targetModules: names a module twice"), bad.problems());
        RoundSpec empty = withLora(a, 4, 8.0, 0, List.of());
        assertTrue(empty.problems().get(0).startsWith("training.lora.targetModules: at least one of"), empty.problems().toString());
    }

    /** {@code spec} (iteration 2 of {@link RoundWireFormatTest#training()}) training LoRA adapters. */
    private static RoundSpec withLora(RoundSpec spec, int rank, double alpha, double dropout, List<String> modules) {
        TrainingSpec t = RoundWireFormatTest.training();
        t.lora = new LoraSpec();
        t.lora.rank = rank;
        t.lora.alpha = alpha;
        t.lora.dropout = dropout;
        t.lora.targetModules = modules;
        return new RoundSpec(spec.version(), spec.run(), spec.iteration(), spec.iterations(), spec.seed(), spec.paths(), spec.data(),
                spec.generation(), spec.judge(), RoundSpec.Training.of(t, spec.iteration()), spec.runtime());
    }

    @Test
    void aSeedRoundAskingForSpaTrainsWithDpoHoweverItWasWritten() throws Exception {
        String iteration0 = RoundJson.write(sample()).replace("\"iteration\":2", "\"iteration\":0");
        assertTrue(iteration0.contains("\"loss\":\"spa\""), iteration0);
        assertEquals(Loss.DPO, RoundJson.readSpec(iteration0).training().loss());
        assertEquals(Loss.SPA, sample().training().loss(), "only the seed round");
    }

    @Test
    void anUnknownNameIsRejectedWhenReadNamingTheFieldAndTheAcceptedOnes() {
        String json = RoundJson.write(sample()).replace("\"loss\":\"spa\"", "\"loss\":\"ppo\"");
        JsonProcessingException e = assertThrows(JsonProcessingException.class, () -> RoundJson.readSpec(json));
        // Jackson lists the accepted names in no fixed order, so check a few of them and the field path.
        assertTrue(e.getMessage().contains("\"ppo\"") && e.getMessage().contains("spa") && e.getMessage().contains("simpo")
                && e.getMessage().contains("[\"training\"]") && e.getMessage().contains("[\"loss\"]"), e.getMessage());
    }

    @Test
    void enumsParseAndPrintTheirJsonNames() {
        assertEquals(Loss.CDPO, Loss.parse("cdpo", "--loss"));
        assertEquals("cdpo", Loss.CDPO.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("step", "training.schedule"));
        assertEquals("training.schedule: must be one of [cosine, linear, constant], got step", e.getMessage());
    }
}
