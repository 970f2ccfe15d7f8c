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
        assertTrue(first.inputDigests().containsKey(RoundFixture.PROMPTS + " rows 0..2"), first.inputDigests().toString());
        assertNotNull(first.inputDigests().get(RoundFixture.VALIDATION));

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
