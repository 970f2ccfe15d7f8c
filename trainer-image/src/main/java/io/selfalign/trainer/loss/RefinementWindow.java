package io.selfalign.trainer.loss;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * The noise threshold τ of self-refinement (docs/algorithm.md §3, as in SPA's code): a rolling window of the
 * last W margins; τ is the mean of the sorted window's entries ⌊W·K⌋ and ⌊W·K⌋+1 (0-based), and 0
 * until W margins have been seen. Callers judge a margin against {@link #tau()} before
 * {@link #push(double) pushing} it, so each sample is judged against the previous window.
 */
public final class RefinementWindow {
    private final int size;
    private final int lowIndex;
    private final int highIndex;
    private final Deque<Double> margins = new ArrayDeque<>();
    private double tau;

    /**
     * @param size          W ≥ 2
     * @param noisyFraction K in (0, 1)
     */
    public RefinementWindow(int size, double noisyFraction) {
        if (size < 2) throw new IllegalArgumentException("window must be >= 2, got " + size);
        if (!(noisyFraction > 0 && noisyFraction < 1)) throw new IllegalArgumentException("noisyFraction must be in (0, 1), got " + noisyFraction);
        this.size = size;
        // The epsilon keeps e.g. 50·0.1 = 5.000000000000001 or 4.999999999 from changing the floor.
        int low = (int) Math.floor(size * noisyFraction + 1e-9);
        // For tiny windows ⌊W·K⌋+1 can reach W; then both indices are the last entry.
        this.lowIndex = Math.min(low, size - 1);
        this.highIndex = Math.min(low + 1, size - 1);
    }

    /** The current threshold: a pair whose margin μ ≤ τ is flagged as noisy. */
    public double tau() {
        return tau;
    }

    /** Whether W margins have been seen (before that τ = 0). */
    public boolean full() {
        return margins.size() == size;
    }

    /** Adds one margin, drops the oldest beyond W, and updates τ. */
    public void push(double margin) {
        margins.addLast(margin);
        if (margins.size() > size) margins.removeFirst();
        if (full()) {
            double[] sorted = margins.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(sorted);
            tau = (sorted[lowIndex] + sorted[highIndex]) / 2;
        }
    }
}
