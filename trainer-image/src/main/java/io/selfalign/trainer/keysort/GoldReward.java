package io.selfalign.trainer.keysort;

import java.util.HashSet;
import java.util.Set;

/**
 * The KeySort gold reward r*(x, y) of docs/algorithm.md §8 — for evaluation and for labelling the seed pairs
 * only; no round ever sees it. The ideal response (the keys ascending, then EOS) scores {@link #MAX} = 3.
 *
 * <pre>
 * cov   = |set(y) ∩ K| / m
 * ord   = fraction of adjacent pairs of y that are strictly ascending (1 when |y| &lt; 2)
 * extra = #tokens of y not in K / 12
 * dup   = (|y| − |set(y)|) / 12
 * eos   = 1 when y ended with EOS within the 12-token limit
 * r*    = 2·cov + cov·ord − 1.5·extra − 1.0·dup − 1.0·(1 − eos)
 * </pre>
 */
public final class GoldReward {
    public static final double MAX = 3.0;

    private GoldReward() {}

    /**
     * @param keys     the prompt's keys (distinct content ids)
     * @param response the response's tokens without EOS; ids outside the content range count as extra
     * @param eos      whether the response ended with EOS (false when it ran into the length limit)
     */
    public static double score(int[] keys, int[] response, boolean eos) {
        Set<Integer> keySet = new HashSet<>();
        for (int k : keys) keySet.add(k);
        Set<Integer> seen = new HashSet<>();
        int covered = 0;
        int extra = 0;
        for (int t : response) {
            if (!keySet.contains(t)) extra++;
            else if (!seen.contains(t)) covered++;
            seen.add(t);
        }
        int ascending = 0;
        for (int i = 0; i + 1 < response.length; i++) if (response[i] < response[i + 1]) ascending++;
        double cov = (double) covered / keys.length;
        double ord = response.length < 2 ? 1.0 : (double) ascending / (response.length - 1);
        double extraFrac = (double) extra / KeySortVocab.MAX_RESPONSE_TOKENS;
        double dup = (double) (response.length - seen.size()) / KeySortVocab.MAX_RESPONSE_TOKENS;
        return 2 * cov + cov * ord - 1.5 * extraFrac - dup - (eos ? 0 : 1);
    }

    /**
     * Scores a response as decoded text (EOS not written, as generators return it). A response longer
     * than the 12-token limit never ended with EOS: it is cut at the limit and scored with eos = 0.
     */
    public static double score(String prompt, String response) {
        KeySortSampler.Response r = KeySortSampler.Response.ofText(response);
        return score(KeySortVocab.parsePrompt(prompt), r.tokens(), r.eos());
    }

    /** Rewards are sums of small fractions: equal up to rounding is a tie. */
    public static boolean tie(double r1, double r2) {
        return Math.abs(r1 - r2) < 1e-9;
    }

    public static boolean isIdeal(double r) {
        return tie(r, MAX);
    }

    /** The ideal response for a prompt: its keys ascending. */
    public static int[] ideal(int[] keys) {
        int[] sorted = keys.clone();
        java.util.Arrays.sort(sorted);
        return sorted;
    }
}
