package io.selfalign.trainer.bench;

import io.selfalign.api.round.JudgeScore;

/**
 * The round hyperparameters of docs/algorithm.md §8. The learning rate is the one knob to calibrate.
 *
 * @param learningRate   preference-training lr of every stage (start 5e-5)
 * @param seedEpochs     epochs of the seed stage (DPO on the seed pairs)
 * @param iterationEpochs epochs of each SPA iteration over its self-labelled pairs (1)
 * @param samplesPerPrompt responses sampled per prompt in an SPA iteration (2; the match arm uses at least 4)
 * @param allGoldEpochs  epochs of DPO on 100% gold labels (1: over 2K pairs one epoch works better, per the SPA README)
 * @param iterations     SPA iterations after the seed stage (3)
 * @param evalBatch      generation/scoring batch of the evaluation and the rounds
 * @param judgeScore     the implicit-reward judge's score
 * @param minJudgeAccuracy the guard of the iterating arms ({@code spec.guard.minJudgeAccuracy}), null for off
 * @param stopOnDecline  the decline guard of the iterating arms ({@code spec.guard.stopOnDecline})
 * @param guidanceLearningRate the guidance model's learning rate in the guided arms ({@code training.guidance.learningRate})
 * @param guidanceEpochs the guidance model's epochs per fit in the guided arms ({@code training.guidance.epochs}), null for the round's
 */
public record BenchSettings(double learningRate, int seedEpochs, int iterationEpochs, int samplesPerPrompt, int allGoldEpochs, int iterations, int evalBatch, JudgeScore judgeScore,
                            Double minJudgeAccuracy, boolean stopOnDecline, double guidanceLearningRate, Integer guidanceEpochs) {
    public static final double BETA = 0.1;
    public static final double ALPHA = 0.1;
    public static final double NOISY_FRACTION = 0.1;
    public static final int WINDOW = 50;
    public static final double REFINEMENT_WARMUP = 0.2;
    public static final double TEMPERATURE = 0.7;
    public static final int BATCH = 32;
    public static final double WARMUP_RATIO = 0.1;

    public static BenchSettings defaults() {
        return new BenchSettings(5e-5, 3, 1, 2, 1, 3, 250, JudgeScore.SUM, null, false, 5e-5, null);
    }
}
