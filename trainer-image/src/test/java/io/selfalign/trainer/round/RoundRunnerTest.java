package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import io.selfalign.trainer.judge.ValidationSignal;
import io.selfalign.api.round.JudgeSelection;
import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.JudgeReference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.judge.Judge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** A full round on CPU with the tiny-llama fixture: the seed stage, then one self-labeling iteration with SPA. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoundRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path root;

    @BeforeAll
    static void workspace() throws IOException {
        RoundFixture.populate(root);
    }

    private static Path local(String specPath) {
        return RoundFixture.local(root, specPath);
    }

    private static List<JsonNode> jsonl(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    @Test
    @Order(1)
    void seedStageTrainsOnTheGoldPairs() throws IOException {
        RoundSpec spec = RoundFixture.spec(0, Loss.SPA, 0.5);
        RoundResult r = new RoundRunner().run(spec, root);
        Path out = local(RoundFixture.iterDir(0));
        assertEquals(RoundFixture.iterDir(0) + "/model", r.checkpoint(), "reported paths are the spec's, not the local ones");
        assertEquals(RoundJson.specHash(spec), r.specHash());
        assertEquals(4.0, r.metrics().get("pairs"));
        assertEquals(4.0, r.metrics().get("steps")); // 2 epochs × ⌈4 / 2⌉
        assertFalse(r.metrics().containsKey("flagged_fraction"), "the seed stage of spa is plain DPO");
        double validation = r.metrics().get("validation_accuracy");
        assertTrue(validation >= 0 && validation <= 1, "share of validation pairs: " + validation);
        assertFalse(r.metrics().containsKey("judge_accuracy"), "the seed stage has no judge");
        assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("model/tokenizer.json")));
        assertEquals(r, RoundJson.readResult(Files.readString(out.resolve("result.json"))));

        List<JsonNode> steps = jsonl(out.resolve("metrics.jsonl"));
        assertEquals(4, steps.size());
        assertEquals(Math.log(2), steps.get(0).get("loss").asDouble(), 1e-5); // policy = reference at step 0
        assertEquals(0.0, steps.get(0).get("lr").asDouble()); // ⌈0.1 · 4⌉ = 1 warm-up step starts at 0

        List<JsonNode> pairs = jsonl(out.resolve("pairs.jsonl"));
        assertEquals(4, pairs.size());
        JsonNode chat = pairs.get(2);
        assertEquals("user", chat.get("messages").get(0).get("role").asText());
        assertEquals("p q", chat.get("chosen").asText());
        assertEquals("seed", chat.get("source").asText());
        assertEquals(3, chat.get("line").asInt());
        assertFalse(chat.has("chosenReward"));
        assertTrue(chat.get("confidence").asDouble() > 0 && chat.get("confidence").asDouble() < 1);
        assertEquals(2, chat.get("chosenTokens").get(chat.get("chosenTokens").size() - 1).asLong(), "responses end with EOS (id 2)");
        try (var siblings = Files.list(out.getParent())) {
            // The round's lock file stays by design (RoundLock); no staging or replaced directory may.
            assertEquals(List.of(".iter-0.lock", "iter-0"), siblings.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging directory left behind");
        }
    }

    @Test
    @Order(2)
    void selfLabelingIterationJudgesTrainsAndReports() throws IOException {
        RoundSpec spec = RoundFixture.spec(1, Loss.SPA, 0.5);
        RoundResult r = new RoundRunner().run(spec, root);
        Path out = local(RoundFixture.iterDir(1));
        assertEquals(3.0, r.metrics().get("prompts"));
        assertEquals(6.0, r.metrics().get("candidates"));
        double pairsCount = r.metrics().get("pairs");
        assertEquals(3.0, pairsCount, "ties are kept unless judge.dropTies");
        assertEquals(2.0, r.metrics().get("steps"));
        for (String m : List.of("ties", "reward_gap_mean", "seed_agreement", "flagged_fraction", "tau", "loss_final", "loss_mean",
                "rewards_chosen", "rewards_rejected", "margin", "accuracy", "gen_tokens_per_s", "judge_tokens_per_s",
                "train_tokens_per_s", "response_length_mean", "judge_accuracy", "validation_accuracy", "truncated", "skipped_prompts")) {
            assertTrue(r.metrics().containsKey(m), "metric " + m + " in " + r.metrics().keySet());
        }
        double agreement = r.metrics().get("seed_agreement");
        assertTrue(agreement >= 0 && agreement <= 1);
        assertTrue(r.metrics().get("reward_gap_mean") >= 0);
        double truncated = r.metrics().get("truncated");
        assertTrue(truncated >= 0 && truncated <= 1, "share of candidates: " + truncated);
        assertEquals(0.0, r.metrics().get("skipped_prompts"), "judge.truncated keep pairs every prompt");

        List<JsonNode> pairs = jsonl(out.resolve("pairs.jsonl"));
        assertEquals(3, pairs.size());
        for (JsonNode p : pairs) {
            assertEquals("self", p.get("source").asText());
            assertTrue(p.get("chosenReward").asDouble() >= p.get("rejectedReward").asDouble());
            assertTrue(p.has("flagged") && p.has("confidence"));
            assertTrue(p.get("chosenTokens").size() >= 1 && p.get("chosenTokens").size() <= 6, "at most maxNewTokens");
        }
        assertEquals(0, pairs.get(0).get("row").asInt());
        assertTrue(pairs.get(2).has("messages"));
        List<JsonNode> steps = jsonl(out.resolve("metrics.jsonl"));
        assertEquals(2, steps.size());
        // With λ > 0 the first pairs are flagged: before any update h̃ = h_ref, so μ̃ = 0 ≤ τ = 0.
        assertEquals(1.0, steps.get(0).get("flagged_fraction").asDouble());
    }

    /**
     * {@code judge.select: validation} on top of the reference-free judge: the round weighs against the base model, picks
     * θ from the grid on the held-out pairs, reports it and the held-out accuracies, and trains.
     */
    @Test
    void aRoundChoosesItsReferenceWeightOnTheHeldOutPairs() throws IOException {
        RoundResult r = new RoundRunner().run(selecting("select"), root);
        double weight = r.metrics().get("judge_reference_weight");
        assertTrue(java.util.Arrays.stream(ValidationSignal.WEIGHTS).anyMatch(w -> w == weight), "θ from the grid: " + weight);
        for (String m : List.of("judge_accuracy", "judge_balanced_accuracy", "validation_base_wrong", "validation_accuracy",
                "validation_balanced_accuracy", "validation_policy_accuracy")) {
            double v = r.metrics().get(m);
            assertTrue(v >= 0 && (m.equals("validation_base_wrong") || v <= 1), m + " " + v);
        }
        assertNotNull(r.checkpoint(), "the round trained");
        assertEquals(r.judgeAccuracy(), r.metrics().get("judge_accuracy"));
    }

    /**
     * The seed round's direction ({@code paths.directionModel}, here a copy of the base model that is not the policy):
     * the round loads it, and it is part of the round's identity; a directory that is not a model is an input error
     * naming the field, before anything is computed.
     */
    @Test
    void aRoundChoosingItsWeightWeighsTheDirectionModelItNames() throws IOException {
        String direction = RoundFixture.WS + "/models/direction";
        if (!Files.isDirectory(local(direction))) {
            Files.createDirectories(local(direction));
            try (var files = Files.list(local(RoundFixture.BASE))) {
                for (Path f : files.toList()) Files.copy(f, local(direction).resolve(f.getFileName()));
            }
        }
        RoundSpec spec = selecting("direction");
        RoundResult r = new RoundRunner().run(spec.withPaths(spec.paths().withDirectionModel(direction)), root);
        assertNotNull(r.inputDigests().get(direction + InputDigests.MODEL), r.inputDigests().toString());
        assertNotNull(r.metrics().get("judge_reference_weight"));

        RoundSpec missing = selecting("direction-missing");
        InputException e = assertThrows(InputException.class, () -> new RoundRunner().run(
                missing.withPaths(missing.paths().withDirectionModel(RoundFixture.WS + "/models/none")), root));
        assertTrue(e.getMessage().startsWith("paths.directionModel: "), e.getMessage());
    }

    /** Iteration 1 of the fixture with {@code judge.select: validation} on the reference-free judge, written to run {@code run}. */
    private static RoundSpec selecting(String run) {
        return RoundFixture.withOutputDir(RoundFixture.spec(1, Loss.DPO, 0, r -> {
            r.judge.reference = JudgeReference.NONE;
            r.judge.score = JudgeScore.MEAN;
            r.judge.select = JudgeSelection.VALIDATION;
        }), RoundFixture.WS + "/runs/team/" + run + "/iter-1");
    }

    @Test
    @Order(3)
    void aFinishedRoundIsReportedAgainWithoutRecomputing() throws IOException {
        RoundSpec spec = RoundFixture.spec(1, Loss.SPA, 0.5);
        Path weights = local(RoundFixture.iterDir(1)).resolve("model/model.safetensors");
        FileTime before = Files.getLastModifiedTime(weights);
        Judge mustNotRun = requests -> {
            throw new AssertionError("the judge ran again");
        };
        RoundResult again = new RoundRunner().run(spec, root, RoundRunner.Options.quiet().withJudge(mustNotRun));
        assertEquals(RoundJson.readResult(Files.readString(local(RoundFixture.iterDir(1)).resolve("result.json"))), again);
        assertEquals(before, Files.getLastModifiedTime(weights));
    }

    @Test
    @Order(4)
    void theSameSeedGivesTheSameRoundOnCpu() throws IOException {
        RoundSpec twin = RoundFixture.withOutputDir(RoundFixture.spec(1, Loss.SPA, 0.5), RoundFixture.WS + "/runs/team/twin/iter-1");
        new RoundRunner().run(twin, root);
        Path a = local(RoundFixture.iterDir(1));
        Path b = local(twin.paths().outputDir());
        assertEquals(Files.readString(a.resolve("pairs.jsonl")), Files.readString(b.resolve("pairs.jsonl")));
        assertArrayEquals(Files.readAllBytes(a.resolve("model/model.safetensors")), Files.readAllBytes(b.resolve("model/model.safetensors")));
    }

    @Test
    @Order(5)
    void aPluggedJudgeLabelsThePairs() throws IOException {
        // An oracle that prefers shorter responses: every chosen response is at most as long as its rejected one.
        Judge shorter = requests -> requests.stream()
                .map(r -> r.candidates().stream().mapToDouble(c -> -c.tokens().length).toArray()).toArray(double[][]::new);
        RoundSpec spec = RoundFixture.withOutputDir(RoundFixture.spec(1, Loss.DPO, 0), RoundFixture.WS + "/runs/team/oracle/iter-1");
        RoundResult r = new RoundRunner().run(spec, root, RoundRunner.Options.quiet().withJudge(shorter));
        for (JsonNode p : jsonl(local(spec.paths().outputDir()).resolve("pairs.jsonl"))) {
            assertTrue(p.get("chosenTokens").size() <= p.get("rejectedTokens").size());
            assertEquals(-p.get("chosenTokens").size(), p.get("chosenReward").asDouble());
        }
        assertFalse(r.metrics().containsKey("flagged_fraction"));
    }

    /** The validation pairs' chosen responses are the longer ones: a judge preferring shorter ones gets them all wrong. */
    @Test
    @Order(6)
    void theGuardStopsARoundWhoseJudgeIsBelowTheThresholdBeforeTraining() throws IOException {
        RoundSpec spec = guarded(RoundFixture.WS + "/runs/team/guarded/iter-1");
        RoundResult r = new RoundRunner().run(spec, root, RoundRunner.Options.quiet().withJudge(byLength(-1)));
        assertEquals(0.0, r.metrics().get("judge_accuracy"));
        assertEquals(1.0, r.metrics().get("guard_stopped"));
        assertTrue(r.guardStopped());
        assertEquals(0.0, r.judgeAccuracy());
        assertNull(r.checkpoint());
        assertFalse(r.metrics().containsKey("steps"));
        assertFalse(r.metrics().containsKey("validation_accuracy"), "no model was trained");
        assertEquals("iteration 1: judge accuracy 0.000 on the validation pairs is below guard.minJudgeAccuracy 0.500; "
                + "the round did not train", r.message());
        Path out = local(spec.paths().outputDir());
        assertFalse(Files.exists(out.resolve("model")));
        assertEquals(3, jsonl(out.resolve("pairs.jsonl")).size(), "the labels stay for inspection");
    }

    @Test
    @Order(7)
    void aJudgeAtTheThresholdTrains() throws IOException {
        RoundSpec spec = guarded(RoundFixture.WS + "/runs/team/passed/iter-1");
        RoundResult r = new RoundRunner().run(spec, root, RoundRunner.Options.quiet().withJudge(byLength(1)));
        assertEquals(1.0, r.metrics().get("judge_accuracy"));
        assertFalse(r.metrics().containsKey("guard_stopped"));
        assertEquals(spec.paths().outputDir() + "/model", r.checkpoint());
        assertTrue(r.metrics().containsKey("validation_accuracy"));
    }

    private static RoundSpec guarded(String outputDir) {
        return RoundFixture.withOutputDir(RoundFixture.spec(1, Loss.DPO, 0, run -> run.guard.minJudgeAccuracy = 0.5), outputDir);
    }

    /** A plugged judge rewarding {@code sign} × length. */
    private static Judge byLength(int sign) {
        return requests -> requests.stream()
                .map(r -> r.candidates().stream().mapToDouble(c -> sign * c.tokens().length).toArray()).toArray(double[][]::new);
    }
}
