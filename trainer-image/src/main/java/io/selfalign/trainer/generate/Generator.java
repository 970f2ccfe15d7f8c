package io.selfalign.trainer.generate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.selfalign.trainer.model.KvCache;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.runtime.IntraOpThreads;
import io.selfalign.trainer.runtime.StopSignal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Batched decoding of token-id prompts: prompts are left-padded into batches of
 * {@link SamplingParams#batchSize()}, prefilled once, then decoded one token per step against a
 * preallocated {@link KvCache}. A sequence stops at an EOS token (kept as its last token) or after
 * {@link SamplingParams#maxNewTokens()}. Each step runs in its own NDScope; only the cache outlives it.
 * Each batch decodes with the intra-op thread count {@link IntraOpThreads} picks for its size.
 *
 * <pre>{@code
 * Generator g = new Generator(model, padId, eosIds);
 * List<long[]> out = g.generate(promptIds, SamplingParams.sample(0.7, 1.0, 0, 300, 32), 42);
 * List<List<long[]>> k = g.generate(promptIds, 2, params, 42);   // 2 samples per prompt
 * }</pre>
 */
public final class Generator {
    private final DecoderModel model;
    private final long padId;
    private final Set<Long> eosIds;
    private final long[] bannedIds;

    public Generator(DecoderModel model, long padId, Collection<Long> eosIds) {
        this(model, padId, eosIds, List.of());
    }

    /** @param bannedIds tokens never sampled (see {@link TokenSampler}); ids outside the vocabulary are ignored */
    public Generator(DecoderModel model, long padId, Collection<Long> eosIds, Collection<Long> bannedIds) {
        this.model = model;
        this.padId = padId;
        this.eosIds = Set.copyOf(eosIds);
        this.bannedIds = bannedIds.stream().distinct().filter(id -> id >= 0 && id < model.config().vocabSize())
                .mapToLong(Long::longValue).toArray();
    }

    /** One continuation per prompt, in prompt order; the same seed gives the same tokens. */
    public List<long[]> generate(List<long[]> prompts, SamplingParams params, long seed) {
        return generate(prompts, params, seed, done -> { });
    }

    /** {@code samplesPerPrompt} continuations of each prompt: {@code result.get(i).get(j)}. */
    public List<List<long[]>> generate(List<long[]> prompts, int samplesPerPrompt, SamplingParams params, long seed) {
        List<long[]> repeated = new ArrayList<>();
        for (long[] p : prompts) {
            for (int j = 0; j < samplesPerPrompt; j++) {
                repeated.add(p);
            }
        }
        List<long[]> flat = generate(repeated, params, seed);
        List<List<long[]>> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            out.add(flat.subList(i * samplesPerPrompt, (i + 1) * samplesPerPrompt));
        }
        return out;
    }

    /** As {@link #generate(List, SamplingParams, long)}, reporting the number of finished prompts after each batch. */
    public List<long[]> generate(List<long[]> prompts, SamplingParams params, long seed, IntConsumer progress) {
        return generate(prompts, params, seed, 0, progress);
    }

    /**
     * As above for a part of a longer list that is sampled in pieces (e.g. by shards): {@code firstSequence} is the
     * index of {@code prompts.get(0)} in the whole list. Split on batch boundaries, the pieces sample exactly what
     * the whole list does in one call (see {@link #batchSeed}).
     */
    public List<long[]> generate(List<long[]> prompts, SamplingParams params, long seed, int firstSequence, IntConsumer progress) {
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i).length == 0) {
                throw new IllegalArgumentException("prompt " + i + " has no tokens");
            }
        }
        return decodeAll(prompts, params, seed, firstSequence, progress);
    }

    private List<long[]> decodeAll(List<long[]> prompts, SamplingParams params, long seed, int firstSequence,
                                   IntConsumer progress) {
        List<long[]> out = new ArrayList<>();
        try (NDManager scratch = model.manager().newSubManager()) {
            TokenSampler sampler = new TokenSampler(params, scratch, model.config().vocabSize(), bannedIds);
            for (int start = 0; start < prompts.size(); start += params.batchSize()) {
                List<long[]> batch = prompts.subList(start, Math.min(prompts.size(), start + params.batchSize()));
                Engine.getInstance().setRandomSeed(batchSeed(seed, firstSequence + start));
                // Threads follow the batch, not the call: a shard's short last batch decodes like the same batch of one pod.
                int threads = IntraOpThreads.forDecoding(batch.size(), model.config().parameterCount());
                out.addAll(IntraOpThreads.with(threads, () -> decode(batch, params, sampler)));
                progress.accept(out.size());
            }
        }
        return out;
    }

    /**
     * Each batch draws from the engine generator seeded by (seed, index of its first sequence), so a batch's
     * samples do not depend on the batches decoded before it: a round split on batch boundaries samples the same.
     */
    static int batchSeed(long seed, int firstSequence) {
        return Long.hashCode(seed * 0x9E3779B97F4A7C15L + firstSequence);
    }

    private List<long[]> decode(List<long[]> prompts, SamplingParams params, TokenSampler sampler) {
        int b = prompts.size();
        int promptLen = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        int capacity = promptLen + params.maxNewTokens();
        if (capacity > model.config().maxPositions()) {
            throw new IllegalArgumentException("prompt (" + promptLen + " tokens) + max-new-tokens ("
                    + params.maxNewTokens() + ") exceeds the model's context of " + model.config().maxPositions());
        }
        long[] tokens = new long[b * capacity];
        long[] mask = new long[b * capacity];
        long[] positions = new long[b * capacity];
        Arrays.fill(tokens, padId);
        for (int i = 0; i < b; i++) {
            long[] p = prompts.get(i);
            int offset = promptLen - p.length;
            for (int j = 0; j < p.length; j++) {
                tokens[i * capacity + offset + j] = p[j];
                mask[i * capacity + offset + j] = 1;
                positions[i * capacity + offset + j] = j;
            }
            for (int n = 0; n < params.maxNewTokens(); n++) {
                positions[i * capacity + promptLen + n] = p.length + n;
            }
        }
        long[][] generated = new long[b][params.maxNewTokens()];
        int[] lengths = new int[b];
        boolean[] done = new boolean[b];
        NDManager m = model.manager();
        try (KvCache cache = params.useCache() ? new KvCache(model, b, capacity) : null) {
            int known = promptLen;
            for (int step = 0; step < params.maxNewTokens(); step++) {
                StopSignal.check("generation");
                long[] next;
                try (NDScope scope = new NDScope()) {
                    int from = cache == null || step == 0 ? 0 : known - 1;
                    NDArray ids = m.create(columns(tokens, b, capacity, from, known), new Shape(b, known - from));
                    NDArray pos = m.create(columns(positions, b, capacity, from, known), new Shape(b, known - from));
                    NDArray keyMask = m.create(columns(mask, b, capacity, 0, known), new Shape(b, known));
                    NDArray hidden = model.hiddenStates(ids, pos, keyMask, cache);
                    // A cached step has one column: squeezing it is one op, indexing it two (one per axis).
                    NDArray last = known - from == 1 ? hidden.squeeze(1) : hidden.get(new NDIndex(":, {}", known - from - 1));
                    next = sampler.next(model.nextTokenLogits(last)).toLongArray();
                }
                boolean allDone = true;
                for (int i = 0; i < b; i++) {
                    if (!done[i]) {
                        generated[i][lengths[i]++] = next[i];
                        done[i] = eosIds.contains(next[i]);
                    }
                    tokens[i * capacity + known] = next[i]; // rows already done decode on, unread
                    mask[i * capacity + known] = 1;
                    allDone &= done[i];
                }
                known++;
                if (allDone) {
                    break;
                }
            }
        }
        List<long[]> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            out.add(Arrays.copyOf(generated[i], lengths[i]));
        }
        return out;
    }

    /** Columns [from, to) of a row-major [rows, width] array. */
    private static long[] columns(long[] a, int rows, int width, int from, int to) {
        long[] out = new long[rows * (to - from)];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a, i * width + from, out, i * (to - from), to - from);
        }
        return out;
    }
}
