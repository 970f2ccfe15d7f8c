package io.selfalign.trainer.round;

/**
 * How a sharded round splits its prompts: contiguous prompt ranges, in order, each of whose candidate lists
 * (prompts × samplesPerPrompt) is a whole number of generation batches, except the last shard's. Every batch a
 * shard decodes and judges is then the batch one unsharded pass decodes and judges, with the same seed, so the
 * shards together sample and reward exactly what one pod would. Prompts are dealt in units of the fewest prompts
 * whose candidates fill whole batches; shards get ⌊U/N⌋ or ⌈U/N⌉ units, so a round with fewer units than
 * shards leaves some shards empty.
 *
 * @param prompts          the round's prompt count
 * @param samplesPerPrompt K
 * @param batchSize        candidates per generation (and judging) batch
 * @param shards           N ≥ 1
 */
record ShardPlan(int prompts, int samplesPerPrompt, int batchSize, int shards) {
    /** Prompt range {@code [from, to)} of one shard, relative to the round's first prompt. */
    record Range(int from, int to) {
        int size() {
            return to - from;
        }
    }

    ShardPlan {
        if (prompts < 0 || samplesPerPrompt < 1 || batchSize < 1 || shards < 1) {
            throw new IllegalArgumentException("prompts " + prompts + ", samplesPerPrompt " + samplesPerPrompt + ", batchSize "
                    + batchSize + ", shards " + shards);
        }
    }

    /** The fewest prompts whose candidates are a whole number of batches: lcm(K, B) / K. */
    int unit() {
        return batchSize / gcd(batchSize, samplesPerPrompt);
    }

    Range range(int shard) {
        if (shard < 0 || shard >= shards) throw new IndexOutOfBoundsException("shard " + shard + " of " + shards);
        long units = (prompts + (long) unit() - 1) / unit();
        long first = units * shard / shards;
        long last = units * (shard + 1) / shards;
        return new Range((int) Math.min(prompts, first * unit()), (int) Math.min(prompts, last * unit()));
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
