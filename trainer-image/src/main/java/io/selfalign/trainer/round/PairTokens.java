package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.SeedPreference;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.train.LengthLimits;
import io.selfalign.trainer.train.TokenizedPair;
import java.io.PrintStream;
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

    /** Warning lines per file: a file of long rows would otherwise flood the round log. */
    private static final int WARNINGS = 5;

    /**
     * The gold pairs longer than {@code training.maxLength}, each named on {@code log} (the first few): training cuts
     * them by the documented rule (as it cuts self-labelled pairs), but a row cut by accident should not pass unseen.
     */
    static int countOverLong(List<LabeledPair> pairs, Path file, RoundSpec.Training training, PrintStream log) {
        LengthLimits limits = new LengthLimits(training.maxLength(), training.maxPromptLength());
        int n = 0;
        for (LabeledPair p : pairs) {
            if (!limits.cuts(p.tokens())) continue;
            if (++n <= WARNINGS) {
                TokenizedPair t = p.tokens();
                log.println("round: warning: " + file + ":" + p.origin() + ": prompt + longer response are " + t.prompt().length + " + "
                        + Math.max(t.chosen().length, t.rejected().length) + " tokens, more than training.maxLength " + training.maxLength()
                        + "; training keeps the prompt's last " + training.maxPromptLength() + " tokens (training.maxPromptLength), "
                        + "then cuts the responses; judge scores use the whole row");
            }
        }
        if (n > WARNINGS) log.println("round: warning: " + file + ": " + (n - WARNINGS) + " more rows longer than training.maxLength");
        return n;
    }
}
