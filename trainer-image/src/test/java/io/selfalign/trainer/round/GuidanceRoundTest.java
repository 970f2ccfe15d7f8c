package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.JudgeKind;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with both uses of the guidance model on the tiny-llama fixture: judge.kind guidance and loss guidance, the seed
 * round (guidance fitted to the gold pairs, weighted likelihood of their chosen responses) and iteration 1 (candidates
 * ranked by that model, refitted listwise on K = 3, REINFORCE with the KL penalty).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuidanceRoundTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path root;

    @BeforeAll
    static void workspace() throws IOException {
        RoundFixture.populate(root);
    }

    private static RoundSpec guided(int k) {
        return RoundFixture.spec(k, Loss.GUIDANCE, 0, run -> {
            run.judge.kind = JudgeKind.GUIDANCE;
            run.generation.samplesPerPrompt = 3;
        });
    }

    private static Set<String> manifest(RoundResult r) {
        return r.manifest().stream().map(RoundResult.FileDigest::path).collect(Collectors.toSet());
    }

    @Test
    @Order(1)
    void theSeedRoundFitsTheGuidanceModelToTheGoldPairsAndWritesItBesideThePolicy() throws IOException {
        RoundSpec spec = guided(0);
        assertEquals(Loss.GUIDANCE, spec.training().loss(), "the seed round keeps loss guidance: weighted likelihood of the gold chosen");
        RoundResult r = new RoundRunner().run(spec, root);
        Path out = RoundFixture.local(root, RoundFixture.iterDir(0));

        assertEquals(4.0, r.metrics().get("guidance_lists"), "the four seed pairs");
        assertEquals(4.0, r.metrics().get("guidance_steps"), "2 epochs × ⌈4 / 2⌉");
        assertNotNull(r.metrics().get("guidance_loss_final"));
        assertTrue(manifest(r).containsAll(List.of("guidance/config.json", "guidance/model.safetensors", "guidance/tokenizer.json",
                "model/model.safetensors")), manifest(r).toString());
        JsonNode config = JSON.readTree(out.resolve("guidance/config.json").toFile());
        assertEquals("LlamaForTokenClassification", config.get("architectures").get(0).asText());
        // After fitting, the head is no longer the fresh zero head: the gold chosen responses score above the rejected.
        assertTrue(r.metrics().get("guidance_accuracy") > 0, r.metrics().toString());
    }

    @Test
    @Order(2)
    void iterationOneJudgesWithThePreviousGuidanceModelAndRefitsIt() throws IOException {
        RoundSpec spec = guided(1);
        assertEquals(RoundFixture.iterDir(0) + "/guidance", spec.paths().guidanceModel());
        RoundResult r = new RoundRunner().run(spec, root);
        Path out = RoundFixture.local(root, RoundFixture.iterDir(1));

        assertTrue(r.metrics().get("pairs") >= 1, r.metrics().toString());
        // The seed pairs again, plus one ranking of three per prompt whose candidates do not all tie.
        double lists = r.metrics().get("guidance_lists");
        assertTrue(lists > 4 && lists <= 7, "lists " + lists);
        assertNotNull(r.judgeAccuracy(), "the guidance judge measured on the held-out pairs");
        assertNotNull(r.validationAccuracy(), "the refitted guidance model as the next judge");
        assertTrue(manifest(r).contains("guidance/model.safetensors"), manifest(r).toString());
        assertNotNull(r.inputDigests().get(RoundFixture.iterDir(0) + "/guidance" + InputDigests.GUIDANCE),
                "the guidance model it started from is part of its identity: " + r.inputDigests());

        // The rewards are the guidance model's mean token scores: best over worst, and not all zero as a fresh head's.
        List<JsonNode> pairs = Files.readAllLines(out.resolve("pairs.jsonl")).stream().map(GuidanceRoundTest::readTree).toList();
        for (JsonNode p : pairs) assertTrue(p.get("chosenReward").asDouble() >= p.get("rejectedReward").asDouble(), p.toString());
        assertTrue(pairs.stream().anyMatch(p -> p.get("chosenReward").asDouble() > p.get("rejectedReward").asDouble()), pairs.toString());
    }

    @Test
    @Order(3)
    void aDamagedGuidanceModelIsRefusedNamingItsField() throws IOException {
        Path weights = RoundFixture.local(root, RoundFixture.iterDir(0) + "/guidance/model.safetensors");
        byte[] original = Files.readAllBytes(weights);
        byte[] damaged = original.clone();
        damaged[damaged.length - 1] ^= 1;
        Files.write(weights, damaged);
        try {
            RoundSpec spec = RoundFixture.withOutputDir(guided(1), RoundFixture.WS + "/runs/team/demo/iter-1-again");
            InputException e = assertThrows(InputException.class, () -> new RoundRunner().run(spec, root));
            assertTrue(e.getMessage().startsWith("paths.guidanceModel: ") && e.getMessage().contains("guidance/model.safetensors"),
                    e.getMessage());
        } finally {
            Files.write(weights, original);
        }
    }

    private static JsonNode readTree(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
