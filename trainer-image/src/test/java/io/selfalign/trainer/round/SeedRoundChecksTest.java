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
}
