package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed round (iteration 0) checks the inputs of the later rounds it can, so that their problems end
 * the run before the seed round's training rather than after it.
 */
class SeedRoundChecksTest {
    @TempDir
    Path root;

    @BeforeEach
    void workspace() throws IOException {
        RoundFixture.populate(root);
    }

    /** Iteration 0 of the fixture's run, checking prompt rows [0, count) and generating up to maxNewTokens. */
    private static RoundSpec seedRound(long count, int maxNewTokens) {
        RoundSpec s = RoundFixture.spec(0, Loss.SPA, 0, r -> r.generation.maxNewTokens = maxNewTokens);
        return RoundFixture.withData(s, new RoundSpec.Data(RoundFixture.SEED, RoundFixture.PROMPTS, 0, count, null));
    }

    private String failure(RoundSpec spec) {
        String message = assertThrows(InputException.class, () -> new RoundRunner().run(spec, root)).getMessage();
        assertFalse(Files.exists(root.resolve("runs/team/demo/iter-0/result.json")), "no result for a rejected round");
        return message;
    }

    @Test
    void aMalformedPromptOfALaterIterationFailsTheSeedRound() throws IOException {
        Path prompts = root.resolve("data/prompts.jsonl");
        Files.writeString(prompts, Files.readString(prompts).replace("{\"prompt\": \"Sort: w v\"}", "{\"prompt\": \"Sort: w v\""));
        assertTrue(failure(seedRound(6, 6)).startsWith(prompts + ":5: malformed JSON"));
    }

    @Test
    void tooFewPromptsForTheRunFailTheSeedRound() {
        assertTrue(failure(seedRound(7, 6)).contains("has 6 prompt rows"));
    }

    @Test
    void aGenerationLongerThanTheContextFailsTheSeedRound() {
        // tiny-llama's context is 256 tokens; prompts are cut to maxPromptLength 24.
        assertEquals("generation.maxNewTokens: 256 leaves no room for a prompt in the model's context of 256 tokens "
                + "(max_position_embeddings of paths.policyModel)", failure(seedRound(6, 256)));
        String message = failure(seedRound(6, 250));
        assertTrue(message.startsWith(root.resolve("data/prompts.jsonl") + ":1: the prompt's ") && message.contains("generation.maxNewTokens 250"),
                message);
    }

    @Test
    void aWordOutsideAVocabularyWithoutUnkIsNamedWithItsFileAndLine() throws IOException {
        // KeySort's tokenizer has no unknown token in its vocabulary: any other word cannot be encoded.
        io.selfalign.trainer.keysort.KeySortFiles.writeTokenizer(root.resolve("models/base"));
        Path data = root.resolve("data");
        String good = "{\"prompt\": \"<s> k05 k04 <sep>\", \"chosen\": \"k04 k05\", \"rejected\": \"k05 k04\"}\n";
        Files.writeString(data.resolve("prompts.jsonl"), "{\"prompt\": \"<s> k05 k04 <sep>\"}\n".repeat(5) + "{\"prompt\": \"<s> k05 Sort: <sep>\"}\n");
        Files.writeString(data.resolve("validation.jsonl"), good + good.replace("\"k04 k05\"", "\"k04 five\""));
        Files.writeString(data.resolve("seed.jsonl"), good + good + good.replace("\"k05 k04\"", "\"k05 four\""));
        RoundSpec spec = RoundFixture.withData(seedRound(6, 6),
                new RoundSpec.Data(RoundFixture.SEED, RoundFixture.PROMPTS, 0, 6, RoundFixture.VALIDATION));

        assertTrue(failure(spec).startsWith(data.resolve("prompts.jsonl") + ":6: the word 'Sort:' cannot be tokenized"));
        Files.writeString(data.resolve("prompts.jsonl"), "{\"prompt\": \"<s> k05 k04 <sep>\"}\n".repeat(6));
        assertTrue(failure(spec).startsWith(data.resolve("validation.jsonl") + ":2: the word 'five' cannot be tokenized"));
        Files.writeString(data.resolve("validation.jsonl"), good);
        assertTrue(failure(spec).startsWith(data.resolve("seed.jsonl") + ":3: the word 'four' cannot be tokenized"));
    }

    @Test
    void goldRowsLongerThanMaxLengthAreNamedInTheLogAndCounted() throws IOException {
        Path data = root.resolve("data");
        String longPrompt = "Sort:" + " q r s t u v w x y z".repeat(6);
        Files.writeString(data.resolve("seed.jsonl"), Files.readString(data.resolve("seed.jsonl"))
                + "{\"prompt\": \"" + longPrompt + "\", \"chosen\": \"q r s\", \"rejected\": \"s r q\"}\n");
        Files.writeString(data.resolve("validation.jsonl"), "{\"prompt\": \"Sort: b a\", \"chosen\": \"a b\", \"rejected\": \"a\"}\n"
                + "{\"prompt\": \"" + longPrompt + "\", \"chosen\": \"q r\", \"rejected\": \"r\"}\n");
        RoundSpec spec = RoundFixture.withData(seedRound(6, 6),
                new RoundSpec.Data(RoundFixture.SEED, RoundFixture.PROMPTS, 0, 6, RoundFixture.VALIDATION));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        var result = new RoundRunner().run(spec, root, new RoundRunner.Options(null,
                new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), 0, null));
        String log = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);

        assertEquals(1.0, result.metrics().get("seed_rows_truncated"), 1e-9, log);
        assertEquals(1.0, result.metrics().get("validation_rows_truncated"), 1e-9, log);
        for (String where : new String[] {data.resolve("seed.jsonl") + ":5: prompt + longer response are ",
                data.resolve("validation.jsonl") + ":2: prompt + longer response are "}) {
            assertTrue(log.lines().anyMatch(l -> l.startsWith("round: warning: " + where) && l.contains("more than training.maxLength 48")),
                    where + " in\n" + log);
        }
    }
}
