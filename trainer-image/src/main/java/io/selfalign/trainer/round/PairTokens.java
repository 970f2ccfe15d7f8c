package io.selfalign.trainer.round;

import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.SeedPreference;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.train.TokenizedPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns text into the token ids the round works with: prompts as the policy sees them, responses + EOS, seed pairs. */
final class PairTokens {
    private PairTokens() {}

    /** Gold seed pairs as training pairs. */
    static List<LabeledPair> tokenize(List<SeedPreference> seed, Path file, LanguageModel lm) {
        List<LabeledPair> out = new ArrayList<>(seed.size());
        for (SeedPreference s : seed) {
            TokenizedPair tokens = InputException.at(file, s.line(),
                    () -> new TokenizedPair(lm.encodePrompt(s.prompt()), lm.encodeResponse(s.chosen()), lm.encodeResponse(s.rejected())));
            out.add(new LabeledPair("seed", s.line(), s.prompt(), s.chosen(), s.rejected(), tokens, null, null));
        }
        return out;
    }
}
