package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.LoraSpec;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** LoRA rounds on CPU with the tiny-llama fixture: a DPO seed stage, then an SPA iteration from its merged model. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoraRoundTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QKV = "model.layers.0.self_attn.qkv_proj.weight";
    @TempDir
    static Path root;

    @BeforeAll
    static void workspace() throws IOException {
        RoundFixture.populate(root);
    }

    private static Path local(String specPath) {
        return RoundFixture.local(root, specPath);
    }

    private static RoundSpec lora(int k, Loss loss, double lambda) {
        return RoundFixture.spec(k, loss, lambda, run -> {
            run.training.seedEpochs = run.training.epochs = 3;
            run.training.lora = new LoraSpec();
            run.training.lora.rank = 8;
            run.training.lora.alpha = 16.0;
        });
    }

    @Test
    @Order(1)
    void aLoraSeedStageLowersTheLossAndWritesTheMergedModelAndThePeftAdapter() throws IOException {
        RoundSpec spec = lora(0, Loss.DPO, 0);
        RoundResult r = new RoundRunner().run(spec, root);
        Path out = local(RoundFixture.iterDir(0));

        List<Double> losses = Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .map(l -> readTree(l).get("loss").asDouble()).toList();
        assertEquals(6, losses.size()); // 3 epochs × ⌈4 / 2⌉
        assertEquals(Math.log(2), losses.get(0), 1e-5); // fresh adapters: policy = reference
        double lastEpoch = (losses.get(4) + losses.get(5)) / 2;
        assertTrue(lastEpoch < Math.log(2) - 0.01, "loss " + losses);
        // r·(in + out) per module: q 8·(64+64), k, v 8·(64+32), o 8·(64+64), gate, up 8·(64+172), down 8·(172+64); 2 layers.
        assertEquals(2.0 * 8 * (128 + 96 + 96 + 128 + 236 + 236 + 236), r.metrics().get("lora_parameters"));

        JsonNode config = JSON.readTree(out.resolve("adapter/adapter_config.json").toFile());
        assertEquals(RoundFixture.BASE, config.get("base_model_name_or_path").asText(), "the adapter applies to the round's starting model");
        assertEquals(8, config.get("r").asInt());
        Set<String> manifest = r.manifest().stream().map(RoundResult.FileDigest::path).collect(Collectors.toSet());
        assertTrue(manifest.containsAll(List.of("adapter/adapter_config.json", "adapter/adapter_model.safetensors",
                "model/model.safetensors", "model/config.json")), manifest.toString());

        try (DecoderModel base = Checkpoint.load(local(RoundFixture.BASE), Device.cpu());
             DecoderModel merged = Checkpoint.load(out.resolve("model"), Device.cpu())) {
            assertEquals(base.parameters().keySet(), merged.parameters().keySet(), "model/ is a plain checkpoint");
            assertFalse(Arrays.equals(base.parameters().get(QKV).toFloatArray(), merged.parameters().get(QKV).toFloatArray()),
                    "the adapters are merged into model/");
            // Only adapted projections change: norms and embeddings are the base's.
            String norm = "model.layers.0.input_layernorm.weight";
            assertTrue(Arrays.equals(base.parameters().get(norm).toFloatArray(), merged.parameters().get(norm).toFloatArray()));
        }
    }

    @Test
    @Order(2)
    void theNextLoraRoundStartsFromTheMergedModelAndExtrapolatesAgainstItsAdaptersOff() throws IOException {
        RoundSpec spec = lora(1, Loss.SPA, 0.5);
        RoundResult r = new RoundRunner().run(spec, root);
        Path out = local(RoundFixture.iterDir(1));
        assertEquals(3.0, r.metrics().get("pairs"));
        JsonNode first = readTree(Files.readAllLines(out.resolve("metrics.jsonl")).get(0));
        // Before any update the adapters-off reference equals the policy: μ̃ = 0 flags every pair, loss = log 2.
        assertEquals(1.0, first.get("flagged_fraction").asDouble());
        assertEquals(Math.log(2), first.get("loss").asDouble(), 1e-5);
        JsonNode config = JSON.readTree(out.resolve("adapter/adapter_config.json").toFile());
        assertEquals(RoundFixture.iterDir(0) + "/model", config.get("base_model_name_or_path").asText());
        assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
    }

    private static JsonNode readTree(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
