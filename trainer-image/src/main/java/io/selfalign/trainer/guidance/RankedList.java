package io.selfalign.trainer.guidance;

import io.selfalign.trainer.train.LengthLimits;
import java.util.Arrays;
import java.util.List;

/**
 * One prompt's responses in preference order, best first: a gold pair (chosen, rejected) or a round's K candidates as
 * its judge ordered them. What the guidance model is fitted to.
 *
 * @param prompt    the prompt's token ids
 * @param responses response token ids (EOS included where it ended), best first; at least two
 */
public record RankedList(long[] prompt, List<long[]> responses) {
    public RankedList {
        if (responses.size() < 2) throw new IllegalArgumentException("a ranking needs two responses, got " + responses.size());
        responses = List.copyOf(responses);
    }

    /** This list with the policy's length rule applied ({@code training.maxLength}, {@code maxPromptLength}). */
    public RankedList limited(LengthLimits limits) {
        long[][] cut = limits.apply(prompt, responses);
        return new RankedList(cut[0], Arrays.asList(cut).subList(1, cut.length));
    }

    public int size() {
        return responses.size();
    }
}
