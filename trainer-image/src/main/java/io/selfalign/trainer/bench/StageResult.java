package io.selfalign.trainer.bench;

/**
 * Gold-evaluated metrics of one model (one arm at one stage, one seed). Metrics that do not apply to a
 * stage (self-label accuracy outside SPA iterations, KL of the SFT model itself) are NaN.
 *
 * @param iteration         0 for a single-stage arm and for SPA's seed stage, k for SPA iteration k
 * @param winRate           gold win-rate (%) of one T=0.7 sample per test prompt against an SFT sample, ties ½
 * @param greedyWinRate     the same for the greedy response
 * @param meanReward        mean gold reward r* of the T=0.7 samples
 * @param greedyMeanReward  mean r* of the greedy responses
 * @param meanLength        mean response length in tokens (EOS not counted) of the T=0.7 samples
 * @param kl                KL estimate mean(S_π(y) − S_SFT(y)) on the model's own T=0.7 samples (nats)
 * @param selfLabelAccuracy fraction (%) of the round's judged pairs whose chosen response has the higher r*
 *                          (gold ties excluded)
 * @param flaggedAccuracy   the same over pairs the refinement flagged as noisy
 * @param unflaggedAccuracy the same over unflagged pairs
 * @param flaggedFraction   fraction (%) of the round's pairs that were flagged
 * @param seconds           wall time spent training this stage (generation and judging included)
 */
public record StageResult(long seed, String arm, int iteration, int prompts, double winRate, double greedyWinRate,
                          double meanReward, double greedyMeanReward, double meanLength, double kl,
                          double selfLabelAccuracy, double flaggedAccuracy, double unflaggedAccuracy,
                          double flaggedFraction, double seconds) {

    /** Same result with the round's self-label diagnostics filled in. */
    public StageResult withSelfLabels(SelfLabelAccuracy s) {
        return new StageResult(seed, arm, iteration, prompts, winRate, greedyWinRate, meanReward, greedyMeanReward,
                meanLength, kl, s.overall(), s.flagged(), s.unflagged(), s.flaggedFraction(), seconds);
    }

    public StageResult withSeconds(double s) {
        return new StageResult(seed, arm, iteration, prompts, winRate, greedyWinRate, meanReward, greedyMeanReward,
                meanLength, kl, selfLabelAccuracy, flaggedAccuracy, unflaggedAccuracy, flaggedFraction, s);
    }
}
