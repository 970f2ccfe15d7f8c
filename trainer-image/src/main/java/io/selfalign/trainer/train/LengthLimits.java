package io.selfalign.trainer.train;

import java.util.Arrays;
import java.util.List;

/**
 * TRL's DPO length rule ({@code truncation_mode = keep_end}): when prompt + longer response exceed
 * {@code maxLength}, keep the last {@code maxPromptLength} prompt tokens; when that is still too long,
 * cut both responses to {@code maxLength − maxPromptLength} tokens.
 */
public final class LengthLimits {
    private final int maxLength;
    private final int maxPromptLength;

    public LengthLimits(int maxLength, int maxPromptLength) {
        if (maxPromptLength < 1 || maxLength <= maxPromptLength) {
            throw new IllegalArgumentException("training.maxLength must exceed training.maxPromptLength (>= 1)");
        }
        this.maxLength = maxLength;
        this.maxPromptLength = maxPromptLength;
    }

    /** Whether {@link #apply} cuts the pair: its prompt plus its longer response exceed {@code maxLength}. */
    public boolean cuts(TokenizedPair p) {
        return p.prompt().length + Math.max(p.chosen().length, p.rejected().length) > maxLength;
    }

    public TokenizedPair apply(TokenizedPair p) {
        long[][] cut = apply(p.prompt(), List.of(p.chosen(), p.rejected()));
        return cut[0] == p.prompt() && cut[1] == p.chosen() && cut[2] == p.rejected() ? p : new TokenizedPair(cut[0], cut[1], cut[2]);
    }

    /**
     * The rule on a prompt and any number of responses (a guidance model's rankings): {@code [prompt, responses…]}, each
     * the array given where nothing is cut.
     */
    public long[][] apply(long[] prompt, List<long[]> responses) {
        int longer = responses.stream().mapToInt(r -> r.length).max().orElse(0);
        long[][] out = new long[responses.size() + 1][];
        out[0] = prompt.length + longer > maxLength ? leftTruncate(prompt, maxPromptLength) : prompt;
        int keep = out[0].length + longer > maxLength ? maxLength - maxPromptLength : Integer.MAX_VALUE;
        for (int i = 0; i < responses.size(); i++) {
            long[] r = responses.get(i);
            out[i + 1] = r.length > keep ? Arrays.copyOf(r, keep) : r;
        }
        return out;
    }

    /** The last {@code max} tokens of a prompt (its start is dropped: the end is what the answer follows). */
    public static long[] leftTruncate(long[] prompt, int max) {
        return prompt.length <= max ? prompt : Arrays.copyOfRange(prompt, prompt.length - max, prompt.length);
    }
}
