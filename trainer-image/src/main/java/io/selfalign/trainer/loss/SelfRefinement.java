package io.selfalign.trainer.loss;

/**
 * Confidence-based label refinement (docs/algorithm.md §3): flags pairs whose (detached, possibly
 * extrapolated) margin μ lies at or below the rolling threshold τ and gives them the flip weight α —
 * 0 during the warm-up share of optimizer steps.
 *
 * <p>Pairs are taken one at a time in batch order, each judged against the window as it stood before
 * it and then pushed; this is SPA's per-sample window (micro-batch 1) for any micro-batch size.
 */
public final class SelfRefinement {
    private final RefinementWindow window;
    private final double alpha;
    private final double warmupEnd;

    /** One pair's refinement outcome. */
    public record Decision(double margin, double tau, boolean flagged, double flipWeight) {
        /** The confidence c = σ(μ) that y_w really is preferred. */
        public double confidence() {
            return 1 / (1 + Math.exp(-margin));
        }
    }

    /**
     * @param alpha          smoothing α for flagged pairs
     * @param noisyFraction  K
     * @param window         W
     * @param warmupFraction share of optimizer steps with α = 0
     * @param totalSteps     optimizer steps of the round
     */
    public SelfRefinement(double alpha, double noisyFraction, int window, double warmupFraction, long totalSteps) {
        this.window = new RefinementWindow(window, noisyFraction);
        this.alpha = alpha;
        // "first 20% of optimizer steps": step s is in warm-up while s < 0.2·total.
        this.warmupEnd = warmupFraction * totalSteps;
    }

    /**
     * Judges the margins μ (already multiplied by β) of one micro-batch.
     *
     * @param margins       μ_i for each pair of the micro-batch, in batch order
     * @param optimizerStep 0-based index of the optimizer step this micro-batch belongs to
     */
    public Decision[] judge(double[] margins, long optimizerStep) {
        double a = optimizerStep < warmupEnd ? 0 : alpha;
        Decision[] out = new Decision[margins.length];
        for (int i = 0; i < margins.length; i++) {
            double tau = window.tau();
            boolean flagged = margins[i] <= tau;
            out[i] = new Decision(margins[i], tau, flagged, flagged ? a : 0);
            window.push(margins[i]);
        }
        return out;
    }

    /** The current threshold τ (for logging). */
    public double tau() {
        return window.tau();
    }
}
