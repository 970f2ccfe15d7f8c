package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A round's identity covers the content of the data it reads: a rerun after an input changed computes it again. */
class ChangedInputsTest {
    @TempDir
    Path root;

    @Test
    void aRoundWhoseSeedFileChangedIsComputedAgainAndAnUnchangedOneIsReused() throws IOException {
        RoundFixture.populate(root);
        RoundSpec spec = RoundFixture.spec(0, Loss.SPA, 0.5);
        RoundResult first = new RoundRunner().run(spec, root);
        assertEquals(4.0, first.metrics().get("pairs"));
        assertNotNull(first.inputDigests().get(RoundFixture.SEED));
        assertNotNull(first.inputDigests().get(RoundFixture.VALIDATION));
        assertNotNull(first.inputDigests().get(RoundFixture.BASE + InputDigests.MODEL));
        // The seed round checks the prompts but trains on the seed pairs alone: its identity holds no prompt rows.
        assertEquals(3, first.inputDigests().size(), first.inputDigests().toString());

        Path seed = RoundFixture.local(root, RoundFixture.SEED);
        List<String> rows = Files.readAllLines(seed);
        Files.write(seed, rows.subList(0, rows.size() / 2));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RoundResult second = new RoundRunner().run(spec, root, new RoundRunner.Options(null, new PrintStream(log, true, StandardCharsets.UTF_8), 0, null));
        assertEquals(2.0, second.metrics().get("pairs"), "computed again on the file as it is now");
        assertEquals(first.specHash(), second.specHash());
        assertNotEquals(first.inputDigests().get(RoundFixture.SEED), second.inputDigests().get(RoundFixture.SEED));
        assertEquals(first.inputDigests().get(RoundFixture.VALIDATION), second.inputDigests().get(RoundFixture.VALIDATION));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains(RoundFixture.SEED + " changed since iteration 0 finished (sha256 "
                + first.inputDigests().get(RoundFixture.SEED).substring(0, 12) + "…→" + second.inputDigests().get(RoundFixture.SEED).substring(0, 12)
                + "…); computing it again"), log.toString(StandardCharsets.UTF_8));

        Path out = RoundFixture.local(root, RoundFixture.iterDir(0));
        FileTime trained = Files.getLastModifiedTime(out.resolve("model/model.safetensors"));
        RoundResult third = new RoundRunner().run(spec, root);
        assertEquals(second, third, "unchanged inputs: the stored result is reported again");
        assertEquals(trained, Files.getLastModifiedTime(out.resolve("model/model.safetensors")));
    }

    /**
     * Raising a run's iterations: its finished rounds' round.json now say 3 iterations, and the seed round checks 9
     * prompts instead of 6. Neither changes what they computed, so both are reported again as they are.
     */
    @Test
    void raisingIterationsReportsTheFinishedRoundsAgain() throws IOException {
        RoundFixture.populate(root);
        RoundResult seed = new RoundRunner().run(RoundFixture.spec(0, Loss.SPA, 0.5), root);
        RoundResult first = new RoundRunner().run(RoundFixture.spec(1, Loss.SPA, 0.5), root);
        Path model1 = RoundFixture.local(root, RoundFixture.iterDir(1)).resolve("model/model.safetensors");
        FileTime trained = Files.getLastModifiedTime(model1);

        RoundSpec seedRaised = raised(RoundFixture.spec(0, Loss.SPA, 0.5), new RoundSpec.Data(RoundFixture.SEED, RoundFixture.PROMPTS, 0, 6,
                RoundFixture.VALIDATION));
        RoundSpec firstRaised = raised(RoundFixture.spec(1, Loss.SPA, 0.5), RoundFixture.spec(1, Loss.SPA, 0.5).data());
        assertNotEquals(RoundJson.write(RoundFixture.spec(0, Loss.SPA, 0.5)), RoundJson.write(seedRaised));
        RoundRunner.Options noJudge = RoundRunner.Options.quiet().withJudge(requests -> {
            throw new AssertionError("iteration 1 was computed again");
        });
        assertEquals(seed, new RoundRunner().run(seedRaised, root));
        assertEquals(first, new RoundRunner().run(firstRaised, root, noJudge));
        assertEquals(trained, Files.getLastModifiedTime(model1));
    }

    /** A spec with 3 iterations instead of the fixture's 2, and {@code data}. */
    private static RoundSpec raised(RoundSpec s, RoundSpec.Data data) {
        return new RoundSpec(s.version(), s.run(), s.iteration(), 3, s.seed(), s.paths(), data, s.generation(), s.judge(), s.training(),
                s.runtime());
    }

    /** Round 0 computed again from another seed file gives another model: round 1, trained from it, is computed again too. */
    @Test
    void aRoundWhosePolicyModelWasComputedAgainIsComputedAgain() throws IOException {
        RoundFixture.populate(root);
        new RoundRunner().run(RoundFixture.spec(0, Loss.SPA, 0.5), root);
        RoundResult first = new RoundRunner().run(RoundFixture.spec(1, Loss.SPA, 0.5), root);
        String policy = RoundFixture.iterDir(0) + "/model" + InputDigests.MODEL;
        assertNotNull(first.inputDigests().get(policy), first.inputDigests().toString());
        assertNotNull(first.inputDigests().get(RoundFixture.BASE + InputDigests.MODEL), "the judge's reference: " + first.inputDigests());

        Path seed = RoundFixture.local(root, RoundFixture.SEED);
        List<String> rows = Files.readAllLines(seed);
        Files.write(seed, rows.subList(0, rows.size() / 2));
        new RoundRunner().run(RoundFixture.spec(0, Loss.SPA, 0.5), root);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RoundResult again = new RoundRunner().run(RoundFixture.spec(1, Loss.SPA, 0.5), root,
                new RoundRunner.Options(null, new PrintStream(log, true, StandardCharsets.UTF_8), 0, null));
        assertNotEquals(first.inputDigests().get(policy), again.inputDigests().get(policy));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains(RoundFixture.SEED + " changed since iteration 1 finished"),
                "round 1 reads the seed pairs too (its seed agreement), so that is the first change it names: " + log);

        // Round 0's model replaced by hand (its result.json, and so its manifest, rewritten): round 1 is computed again.
        Path result0 = RoundFixture.local(root, RoundFixture.iterDir(0)).resolve("result.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode r0 = (ObjectNode) json.readTree(Files.readString(result0));
        Path weights = RoundFixture.local(root, RoundFixture.iterDir(0)).resolve("model/model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 1;
        Files.write(weights, bytes);
        for (var entry : r0.withArray("manifest")) {
            if ("model/model.safetensors".equals(entry.get("path").asText())) {
                ((ObjectNode) entry).put("sha256", io.selfalign.trainer.files.FileManifest.sha256(weights));
            }
        }
        Files.writeString(result0, json.writeValueAsString(r0));
        log.reset();
        RoundResult third = new RoundRunner().run(RoundFixture.spec(1, Loss.SPA, 0.5), root,
                new RoundRunner.Options(null, new PrintStream(log, true, StandardCharsets.UTF_8), 0, null));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains(policy + " changed since iteration 1 finished (sha256 "
                + again.inputDigests().get(policy).substring(0, 12)), log.toString(StandardCharsets.UTF_8));
        assertNotEquals(again.inputDigests().get(policy), third.inputDigests().get(policy));
    }

    /** Results whose hash is the whole spec's (written before the identity hash) and whose digests name no model are reused. */
    @Test
    void aResultOfAnOlderTrainerIsReused() throws Exception {
        RoundFixture.populate(root);
        RoundSpec spec = RoundFixture.spec(1, Loss.SPA, 0.5);
        new RoundRunner().run(RoundFixture.spec(0, Loss.SPA, 0.5), root);
        new RoundRunner().run(spec, root);
        Path result = RoundFixture.local(root, RoundFixture.iterDir(1)).resolve("result.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode old = (ObjectNode) json.readTree(Files.readString(result));
        String wholeSpecHash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(RoundJson.write(spec.withRuntime(null)).getBytes(StandardCharsets.UTF_8)));
        assertNotEquals(wholeSpecHash, old.get("specHash").asText());
        old.put("specHash", wholeSpecHash);
        ObjectNode digests = (ObjectNode) old.get("inputDigests");
        List<String> models = new java.util.ArrayList<>();
        digests.fieldNames().forEachRemaining(k -> {
            if (k.endsWith(InputDigests.MODEL)) models.add(k);
        });
        assertEquals(2, models.size(), models.toString());
        digests.remove(models);
        Files.writeString(result, json.writeValueAsString(old));
        RoundResult stored = RoundJson.readResult(Files.readString(result));
        assertEquals(stored, new RoundRunner().run(spec, root, RoundRunner.Options.quiet().withJudge(requests -> {
            throw new AssertionError("computed again");
        })));
    }

    @Test
    void aResultWrittenBeforeInputDigestsIsStillReused() throws IOException {
        RoundFixture.populate(root);
        RoundSpec spec = RoundFixture.spec(0, Loss.SPA, 0.5);
        new RoundRunner().run(spec, root);
        Path result = RoundFixture.local(root, RoundFixture.iterDir(0)).resolve("result.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode old = (ObjectNode) json.readTree(Files.readString(result));
        old.remove("inputDigests");
        Files.writeString(result, json.writeValueAsString(old));
        RoundResult stored = RoundJson.readResult(Files.readString(result));
        assertEquals(null, stored.inputDigests());

        Path seed = RoundFixture.local(root, RoundFixture.SEED);
        List<String> rows = Files.readAllLines(seed);
        Files.write(seed, rows.subList(0, rows.size() / 2));
        assertEquals(stored, new RoundRunner().run(spec, root), "no digests recorded: the old result is kept, not recomputed");
    }
}
