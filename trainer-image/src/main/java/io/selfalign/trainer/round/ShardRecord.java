package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundResult.FileDigest;
import java.util.List;

/**
 * {@code shard.json}, written last and atomically into a finished shard's directory: which round spec and which
 * prompts the shard's candidates belong to, what generating and judging them took, and the size and SHA-256 of
 * {@code candidates.jsonl}. The training pod uses a shard only when all of it matches.
 *
 * @param from first prompt of the shard, relative to the round's first prompt
 * @param to   end (exclusive) of the shard's prompts
 */
record ShardRecord(String specHash, int iteration, int shard, int shards, int from, int to, long generatedTokens,
                   double generateSeconds, double judgeSeconds, List<FileDigest> manifest) {}
