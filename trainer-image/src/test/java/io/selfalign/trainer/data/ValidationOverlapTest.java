package io.selfalign.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ValidationOverlapTest {
    static SeedPreference pair(String prompt) {
        return new SeedPreference(PromptInput.text(prompt), "a", "b", 1);
    }

    @Test
    void validationPromptsThatAreSeedOrRunPromptsAreCounted() {
        List<SeedPreference> validation = List.of(pair("x"), pair("y"), pair("z"), pair("w"));
        List<SeedPreference> seed = List.of(pair("x"));
        List<PromptRow> prompts = List.of(new PromptRow(PromptInput.text("y"), 0, 1), new PromptRow(PromptInput.text("q"), 1, 2));
        assertEquals(0.5, ValidationOverlap.share(validation, seed, prompts));
        assertEquals(0.25, ValidationOverlap.share(validation, seed, null));
        assertEquals(0.0, ValidationOverlap.share(validation, null, null));
        // the seed file given as validation too: every pair overlaps
        assertEquals(1.0, ValidationOverlap.share(seed, seed, null));
    }
}
