package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundResult.FileDigest;
import java.util.List;
import java.util.Map;

/**
 * {@code shard.json}, written last and atomically into a finished shard's directory: which round spec and which
 * prompts the shard's candidates belong to, what generating and judging them took, the size and SHA-256 of
 * {@code candidates.jsonl}, and the digests of what the shard read. The generate stage reports a shard again, and the
 * training pod uses it, only when all of it matches.
 *
 * @param from         first prompt of the shard, relative to the round's first prompt
 * @param to           end (exclusive) of the shard's prompts
 * @param inputDigests {@link InputDigests#ofShard}: the shard's prompt rows, held-out pairs it chose the judge's weight
 *                     on, the models it loaded; a shard written without them is computed again
 */
record ShardRecord(String specHash, int iteration, int shard, int shards, int from, int to, long generatedTokens,
                   double generateSeconds, double judgeSeconds, List<FileDigest> manifest, Map<String, String> inputDigests) {}
