package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.Gpu;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.SafetensorsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tiny self-labeling round in fp16 ({@code runtime.dtype: float16}): generate 2 samples for each of 3 prompts, judge
 * them against the starting model, one epoch of DPO on the 3 pairs (2 steps with fp32 master weights and dynamic loss
 * scaling), save. The base is the tiny-llama fixture stored as F16, as a half-precision Hugging Face checkpoint is; the
 * round keeps each tensor's stored dtype (docs/round.md, "model/"), so it must write F16 back. On a GPU only when one is
 * present; the same round on the CPU runs on every build and so checks this test itself.
 */
class GpuRoundTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE_F16 = RoundFixture.WS + "/models/base-f16";
    @TempDir
    static Path root;

    @BeforeAll
    static void workspace() throws IOException {
        RoundFixture.populate(root);
        try (DecoderModel base = Checkpoint.load(RoundFixture.local(root, RoundFixture.BASE), Device.cpu())) {
            Checkpoint.save(base, RoundFixture.local(root, BASE_F16), Checkpoint.DEFAULT_SHARD_BYTES, "F16");
        }
    }

    @ParameterizedTest
    @EnumSource(DeviceKind.class)
    void anFp16RoundHasFiniteLossesAndWritesAnF16Checkpoint(DeviceKind device) throws IOException {
        if (device == DeviceKind.GPU) {
            Gpu.assumePresent();
        }
        String outputDir = RoundFixture.WS + "/runs/team/fp16-" + device.name().toLowerCase(Locale.ROOT) + "/iter-1";
        RoundSpec spec = RoundFixture.spec(1, Loss.DPO, 0)
                .withPaths(new RoundSpec.Paths(RoundFixture.WS, BASE_F16, BASE_F16, BASE_F16, outputDir))
                .withRuntime(new RoundSpec.Runtime(device, ComputeDtype.FLOAT16, 0, null));
        RoundResult r = new RoundRunner().run(spec, root);

        assertEquals(6.0, r.metrics().get("candidates"), "2 samples of 3 prompts");
        assertEquals(3.0, r.metrics().get("pairs"));
        assertEquals(2.0, r.metrics().get("steps"), "one epoch of 3 pairs in batches of 2");
        for (String m : List.of("loss_final", "loss_mean", "margin", "judge_accuracy")) {
            assertTrue(Double.isFinite(r.metrics().get(m)), m + " = " + r.metrics().get(m));
        }
        Path out = RoundFixture.local(root, outputDir);
        List<String> steps = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(2, steps.size());
        for (String line : steps) {
            JsonNode step = JSON.readTree(line);
            assertTrue(Double.isFinite(step.get("loss").asDouble()), "finite loss: " + line);
            // A skipped step is loss scaling at work (an fp16 gradient overflowed), never an fp32 loss gone bad.
            assertTrue(step.get("loss_scale").asDouble() > 1, "loss scaling is on in fp16: " + line);
        }

        Path model = out.resolve(RoundContract.MODEL_DIR);
        try (SafetensorsReader base = SafetensorsReader.open(RoundFixture.local(root, BASE_F16));
             SafetensorsReader written = SafetensorsReader.open(model)) {
            assertEquals(base.tensors().keySet(), written.tensors().keySet());
            written.tensors().values().forEach(t -> assertEquals("F16", t.dtype(), t.name()));
        }
        try (DecoderModel trained = Checkpoint.load(model, Device.cpu(), DataType.FLOAT32)) {
            trained.parameters().forEach((name, w) ->
                    assertFalse(w.isInfinite().any().getBoolean() || w.isNaN().any().getBoolean(), name + " is finite"));
        }
    }
}
