package io.selfalign.trainer.keysort;

import java.util.Arrays;

/**
 * How much data one KeySort instance has. {@link #FULL} is docs/algorithm.md §8 (the paper's 60K pool scaled
 * by 1/10): 20,000 SFT demonstrations; a 6,000-prompt preference pool of which 200 (3.3%) are the gold
 * seed and 800 / 2,000 / 3,000 the iteration slices; 500 held-out test prompts.
 */
public record KeySortSizes(int sftDemos, int seedPairs, int[] slices, int testPrompts) {
    public static final KeySortSizes FULL = new KeySortSizes(20_000, 200, new int[] {800, 2_000, 3_000}, 500);
    /** A local smoke run: enough for a visibly trained base model in about a minute on 2 cores. */
    public static final KeySortSizes QUICK = new KeySortSizes(4_000, 64, new int[] {128, 128, 128}, 200);

    public KeySortSizes {
        if (sftDemos < 1 || seedPairs < 1 || testPrompts < 1 || slices.length == 0 || Arrays.stream(slices).anyMatch(s -> s < 1)) {
            throw new IllegalArgumentException("every KeySort size must be >= 1: " + this);
        }
        slices = slices.clone();
    }

    /** Seed plus every slice: the prompts that get gold pairs for the "100%" arm. */
    public int poolSize() {
        return seedPairs + Arrays.stream(slices).sum();
    }

    /**
     * Gold pairs held out to measure the judge ({@code data.validationPreferences}): the pool's last ones — the
     * last slice's last prompts — 200 at most, never more than half of that slice.
     */
    public int validationPairs() {
        return Math.min(200, slices[slices.length - 1] / 2);
    }

    /** The iteration slices a run may use without touching the validation pairs' prompts: the last one ends before them. */
    public int[] slicesBeforeValidation() {
        int[] s = slices.clone();
        s[s.length - 1] -= validationPairs();
        return s;
    }

    /** First row of iteration {@code k}'s slice (1-based) in prompts.jsonl. */
    public int sliceOffset(int iteration) {
        return Arrays.stream(slices, 0, iteration - 1).sum();
    }

    public int sliceCount(int iteration) {
        return slices[iteration - 1];
    }

    @Override
    public int[] slices() {
        return slices.clone();
    }

    @Override
    public String toString() {
        return "sft=" + sftDemos + " seed=" + seedPairs + " slices=" + Arrays.toString(slices) + " test=" + testPrompts;
    }
}
