package io.selfalign.trainer.train;

import java.util.Arrays;

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
        long[] prompt = p.prompt();
        long[] chosen = p.chosen();
        long[] rejected = p.rejected();
        int longer = Math.max(chosen.length, rejected.length);
        if (cuts(p)) {
            prompt = leftTruncate(prompt, maxPromptLength);
        }
        if (prompt.length + longer > maxLength) {
            int keep = maxLength - maxPromptLength;
            chosen = Arrays.copyOf(chosen, Math.min(chosen.length, keep));
            rejected = Arrays.copyOf(rejected, Math.min(rejected.length, keep));
        }
        return prompt == p.prompt() && chosen == p.chosen() && rejected == p.rejected() ? p : new TokenizedPair(prompt, chosen, rejected);
    }

    /** The last {@code max} tokens of a prompt (its start is dropped: the end is what the answer follows). */
    public static long[] leftTruncate(long[] prompt, int max) {
        return prompt.length <= max ? prompt : Arrays.copyOfRange(prompt, prompt.length - max, prompt.length);
    }
}
