package io.selfalign.trainer.judge;

/**
 * One sampled response: its decoded text and the exact token ids the policy produced (ending with EOS
 * when generation stopped there). Judging and training use the ids, never a re-tokenisation of the text.
 *
 * @param finished whether generation stopped at EOS; false when it was cut at {@code maxNewTokens}
 */
public record Candidate(String text, long[] tokens, boolean finished) {}
