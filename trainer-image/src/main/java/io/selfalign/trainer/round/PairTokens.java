package io.selfalign.trainer.round;

import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.PromptInput;
import io.selfalign.trainer.data.SeedPreference;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.train.TokenizedPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns text into the token ids the round works with: prompts as the policy sees them, responses + EOS, seed pairs. */
final class PairTokens {
    private PairTokens() {}

    /** Gold seed pairs as training pairs. */
    static List<LabeledPair> tokenize(List<SeedPreference> seed, Path file, LanguageModel lm) {
        List<LabeledPair> out = new ArrayList<>(seed.size());
        for (SeedPreference s : seed) {
            long[] prompt = promptTokens(s.prompt(), lm, file, s.line());
            TokenizedPair tokens = new TokenizedPair(prompt, responseTokens(s.chosen(), lm), responseTokens(s.rejected(), lm));
            out.add(new LabeledPair("seed", s.line(), s.prompt(), s.chosen(), s.rejected(), tokens, null, null));
        }
        return out;
    }

    /** A prompt through the chat template (messages) or the tokenizer (text); a problem names the file and line. */
    static long[] promptTokens(PromptInput prompt, LanguageModel lm, Path file, long line) {
        try {
            long[] ids = prompt.isChat() ? lm.encodePrompt(prompt.messages()) : lm.encodePrompt(prompt.text());
            if (ids.length == 0) throw new IllegalArgumentException("the prompt encodes to no tokens");
            return ids;
        } catch (IllegalArgumentException e) {
            throw InputException.at(file, line, e.getMessage());
        }
    }

    /** A response's tokens followed by EOS, whose log-prob is part of the response's score (ALGORITHMS §0). */
    static long[] responseTokens(String text, LanguageModel lm) {
        if (lm.eosIds().isEmpty()) throw new InputException("the policy model defines no EOS token (generation_config.json / config.json)");
        long[] ids = lm.tokenizer().encode(text, false);
        long[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = lm.eosIds().get(0);
        return out;
    }
}
