package io.selfalign.trainer.bench;

import java.util.Map;

/**
 * Gold-evaluated metrics of one model (one arm at one stage, one seed). Metrics that do not apply to a
 * stage (self-label accuracy outside SPA iterations, KL of the SFT model itself) read as NaN.
 *
 * @param task              the benchmark task ({@code keysort}, {@code keyecho})
 * @param iteration         0 for a single-stage arm and for SPA's seed stage, k for SPA iteration k
 * @param winRate           gold win-rate (%) of one T=0.7 sample per test prompt against an SFT sample, ties ½
 * @param greedyWinRate     the same for the greedy response
 * @param meanReward        mean gold reward r* of the T=0.7 samples
 * @param greedyMeanReward  mean r* of the greedy responses
 * @param meanLength        mean response length in tokens (EOS not counted) of the T=0.7 samples
 * @param habitShare        share (%) of test prompts whose greedy response shows the task's habit, NaN without one
 * @param kl                KL estimate mean(S_π(y) − S_SFT(y)) on the model's own T=0.7 samples (nats)
 * @param labels            the round's self-labels checked against the gold reward, or null outside SPA iterations
 * @param round             the round's own metrics ({@code result.json}: judge_accuracy, truncated, …), empty for SFT
 * @param seconds           wall time spent training this stage (generation and judging included)
 */
public record StageResult(String task, long seed, String arm, int iteration, int prompts, double winRate, double greedyWinRate,
                          double meanReward, double greedyMeanReward, double meanLength, double habitShare, double kl,
                          SelfLabelAccuracy labels, Map<String, Double> round, double seconds) {

    public StageResult {
        round = Map.copyOf(round);
    }

    /** Same result with the round's self-label diagnostics filled in. */
    public StageResult withSelfLabels(SelfLabelAccuracy s) {
        return new StageResult(task, seed, arm, iteration, prompts, winRate, greedyWinRate, meanReward, greedyMeanReward,
                meanLength, habitShare, kl, s, round, seconds);
    }

    /** Same result with the round's metrics and wall time. */
    public StageResult withRound(Map<String, Double> metrics, double s) {
        return new StageResult(task, seed, arm, iteration, prompts, winRate, greedyWinRate, meanReward, greedyMeanReward,
                meanLength, habitShare, kl, labels, metrics, s);
    }

    public StageResult withSeconds(double s) {
        return withRound(round, s);
    }

    /** The same stage shown under another arm's name (SPA's iteration 0 is the DPO-seed model). */
    public StageResult as(String otherArm) {
        return new StageResult(task, seed, otherArm, iteration, prompts, winRate, greedyWinRate, meanReward, greedyMeanReward,
                meanLength, habitShare, kl, labels, round, seconds);
    }

    /** A metric the round reported, NaN when it did not. */
    public double roundMetric(String name) {
        return round.getOrDefault(name, Double.NaN);
    }

    /** A self-label statistic, NaN outside SPA iterations. */
    public double label(java.util.function.ToDoubleFunction<SelfLabelAccuracy> statistic) {
        return labels == null ? Double.NaN : statistic.applyAsDouble(labels);
    }
}
