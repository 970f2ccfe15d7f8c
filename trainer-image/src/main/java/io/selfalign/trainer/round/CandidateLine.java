package io.selfalign.trainer.round;

import java.util.List;

/**
 * One line of a shard's {@code candidates.jsonl}: a prompt (its row in the prompts file and the exact tokens the
 * policy saw) and its K sampled responses with their rewards. Text is not stored: the training pod decodes the
 * tokens with the same tokenizer. Rewards are written as Java's shortest round-tripping decimal, so they read back
 * bit for bit.
 */
record CandidateLine(long row, long[] promptTokens, List<Sample> candidates) {
    /** One response: its token ids (ending with EOS when it finished), whether it finished, the judge's reward. */
    record Sample(long[] tokens, boolean finished, double reward) {}
}
