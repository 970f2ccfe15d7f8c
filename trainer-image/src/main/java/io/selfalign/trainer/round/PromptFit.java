package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.PromptRow;
import io.selfalign.trainer.runtime.LanguageModel;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks that every prompt the round knows of can be sampled from: it encodes (chat template included),
 * and after the left cut to {@code training.maxPromptLength} it leaves room for {@code generation.maxNewTokens}
 * in the model's context. The seed round runs it over the prompts of the whole run, so that a bad prompt or
 * too long a generation fails the run in minutes rather than after the seed round's hours.
 */
final class PromptFit {
    private PromptFit() {}

    static void check(RoundSpec spec, List<PromptRow> prompts, Path file, LanguageModel model) {
        int context = model.model().config().maxPositions();
        int maxNew = spec.generation().maxNewTokens();
        if (maxNew >= context) {
            throw new InputException("generation.maxNewTokens: " + maxNew + " leaves no room for a prompt in the model's context of "
                    + context + " tokens (max_position_embeddings of paths.policyModel)");
        }
        for (PromptRow row : prompts) {
            int tokens = InputException.at(file, row.line(), () -> model.encodePrompt(row.prompt())).length;
            int kept = Math.min(tokens, spec.training().maxPromptLength());
            if (kept + maxNew > context) {
                throw InputException.at(file, row.line(), "the prompt's " + kept + " tokens (at most training.maxPromptLength) plus "
                        + "generation.maxNewTokens " + maxNew + " exceed the model's context of " + context
                        + " tokens (max_position_embeddings); lower either");
            }
        }
    }
}
