package io.selfalign.trainer.train;

/**
 * A preference pair as token ids: the prompt (chat template applied) and both responses, each response
 * ending with EOS when it has one (its log-prob is scored, docs/algorithm.md §0).
 */
public record TokenizedPair(long[] prompt, long[] chosen, long[] rejected) {}
