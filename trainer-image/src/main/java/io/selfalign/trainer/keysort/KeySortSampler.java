package io.selfalign.trainer.keysort;

import io.selfalign.trainer.generate.Generator;
import io.selfalign.trainer.generate.SamplingParams;
import io.selfalign.trainer.model.DecoderModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Samples KeySort responses from a model with the runtime's generator, as token ids (no tokenizer on the
 * evaluation path), under the task's length rule: at most 12 content tokens, then EOS; a response that
 * reaches the limit without EOS is cut there and counts as missing its EOS.
 */
public final class KeySortSampler {
    /** 12 content tokens plus the EOS that may follow them. */
    public static final int MAX_NEW_TOKENS = KeySortVocab.MAX_RESPONSE_TOKENS + 1;

    /**
     * @param tokens the response's tokens without EOS (at most 12)
     * @param eos    whether the model ended it with EOS
     */
    public record Response(int[] tokens, boolean eos) {
        /** The tokens a scorer should score: the response and its EOS when it has one. */
        public long[] scoredIds() {
            long[] ids = new long[tokens.length + (eos ? 1 : 0)];
            for (int i = 0; i < tokens.length; i++) ids[i] = tokens[i];
            if (eos) ids[tokens.length] = KeySortVocab.EOS;
            return ids;
        }

        public double goldReward(KeySortTask task, int[] keys) {
            return task.goldReward(keys, tokens, eos);
        }

        public boolean showsHabit(KeySortTask task) {
            return task.showsHabit(tokens);
        }

        /**
         * A response as decoded text (EOS not written, as generators return it): a text over the 12-token limit never
         * ended with EOS, so it is cut at the limit and has none.
         */
        public static Response ofText(String text) {
            int[] ids = KeySortVocab.parseResponse(text);
            boolean eos = ids.length <= KeySortVocab.MAX_RESPONSE_TOKENS;
            return new Response(eos ? ids : java.util.Arrays.copyOf(ids, KeySortVocab.MAX_RESPONSE_TOKENS), eos);
        }

        public static Response of(long[] generated) {
            int end = 0;
            while (end < generated.length && generated[end] != KeySortVocab.EOS) end++;
            boolean eos = end < generated.length && end <= KeySortVocab.MAX_RESPONSE_TOKENS;
            int n = Math.min(end, KeySortVocab.MAX_RESPONSE_TOKENS);
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) tokens[i] = (int) generated[i];
            return new Response(tokens, eos);
        }
    }

    private KeySortSampler() {}

    /** Prompt ids {@code BOS keys SEP}. */
    public static long[] promptIds(int[] keys) {
        long[] ids = new long[keys.length + 2];
        ids[0] = KeySortVocab.BOS;
        for (int i = 0; i < keys.length; i++) ids[i + 1] = keys[i];
        ids[ids.length - 1] = KeySortVocab.SEP;
        return ids;
    }

    /** One response per prompt: sampled at {@code temperature} (top-p 1), or greedy when it is 0. */
    public static List<Response> sample(DecoderModel model, List<int[]> keys, double temperature, int batchSize, long seed) {
        SamplingParams params = temperature == 0 ? SamplingParams.greedy(MAX_NEW_TOKENS, batchSize)
                : SamplingParams.sample(temperature, 1.0, 0, MAX_NEW_TOKENS, batchSize);
        List<long[]> prompts = keys.stream().map(KeySortSampler::promptIds).toList();
        List<long[]> out = new Generator(model, KeySortVocab.PAD, List.of((long) KeySortVocab.EOS)).generate(prompts, params, seed);
        List<Response> responses = new ArrayList<>(out.size());
        for (long[] g : out) responses.add(Response.of(g));
        return responses;
    }

    public static double[] goldRewards(KeySortTask task, List<int[]> keys, List<Response> responses) {
        double[] r = new double[keys.size()];
        for (int i = 0; i < r.length; i++) r[i] = responses.get(i).goldReward(task, keys.get(i));
        return r;
    }

    public static double meanGoldReward(KeySortTask task, List<int[]> keys, List<Response> responses) {
        return Arrays.stream(goldRewards(task, keys, responses)).average().orElse(Double.NaN);
    }
}
