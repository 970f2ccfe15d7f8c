package io.selfalign.trainer.keysort;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.selfalign.api.round.LrSchedule;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.optim.AdamW;
import io.selfalign.trainer.optim.DynamicLossScaler;
import io.selfalign.trainer.optim.LearningRateSchedule;
import io.selfalign.trainer.optim.ParameterUpdater;
import io.selfalign.trainer.optim.TrainableParameters;
import io.selfalign.trainer.runtime.StopSignal;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Supervised fine-tuning of the KeySort base model on the teacher's demonstrations: token-level
 * cross-entropy on the response and its EOS (mean over trained tokens), with the same AdamW, schedule
 * and gradient clipping as the rounds.
 */
public final class SftTrainer {
    /**
     * @param learningRate §8: 1e-3
     * @param batchSize    §8: 64
     * @param epochs       §8: 3
     * @param warmupRatio  §8: 5% of the steps, then cosine to 0
     * @param maxGradNorm  global-norm clipping (1.0, Hugging Face's default)
     * @param seed         shuffling order of the demonstrations
     */
    public record Options(double learningRate, int batchSize, int epochs, double warmupRatio, double maxGradNorm, long seed) {
        public static Options of(long seed) {
            return new Options(1e-3, 64, 3, 0.05, 1.0, seed);
        }
    }

    /** Mean loss of the first and last tenth of the steps: smoother than single steps. */
    public record Report(int steps, double firstLoss, double finalLoss, double seconds, double tokensPerSecond) {}

    private SftTrainer() {}

    public static Report train(DecoderModel model, List<KeySortGenerator.Demo> demos, Options o, PrintStream progress) {
        int perEpoch = SftBatches.batchesPerEpoch(demos.size(), o.batchSize());
        int total = perEpoch * o.epochs();
        model.setTrainable(true);
        ParameterUpdater updater = new ParameterUpdater(new TrainableParameters(model.parameters()),
                AdamW.withWeightDecay(0.0), LearningRateSchedule.of(LrSchedule.COSINE, o.warmupRatio(), total),
                o.learningRate(), o.maxGradNorm(), DynamicLossScaler.none());
        SplittableRandom rng = new SplittableRandom(o.seed());
        double[] losses = new double[total];
        long tokens = 0;
        long start = System.nanoTime();
        long lastPrint = start;
        int step = 0;
        for (int epoch = 0; epoch < o.epochs(); epoch++) {
            for (List<ScoringBatch.Pair> batch : SftBatches.epoch(demos, o.batchSize(), rng)) {
                StopSignal.check("SFT step " + (step + 1) + " of " + total);
                losses[step] = step(model, batch);
                updater.step(step);
                tokens += SftBatches.trainedTokens(batch);
                step++;
                long now = System.nanoTime();
                if (progress != null && (now - lastPrint > 5e9 || step == total)) {
                    lastPrint = now;
                    progress.printf(Locale.ROOT, "sft: epoch %d/%d  step %d/%d  loss %.4f  %.0f trained tokens/s%n", epoch + 1, o.epochs(),
                            step, total, losses[step - 1], tokens / ((now - start) / 1e9));
                }
            }
        }
        model.setTrainable(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        int tenth = Math.max(1, total / 10);
        return new Report(total, mean(losses, 0, tenth), mean(losses, total - tenth, total), seconds, tokens / seconds);
    }

    /** Forward, loss and backward of one batch; returns the loss. Every array of the step dies with its scope. */
    private static double step(DecoderModel model, List<ScoringBatch.Pair> pairs) {
        try (NDScope ignored = new NDScope()) {
            ScoringBatch batch = ScoringBatch.of(pairs, KeySortVocab.PAD, model.manager());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logProbs = SequenceScorer.sequenceLogProbs(SequenceScorer.responseLogits(model, batch), batch);
                NDArray loss = logProbs.sum().neg().div(SftBatches.trainedTokens(pairs));
                gc.backward(loss);
                return loss.getFloat();
            }
        }
    }

    private static double mean(double[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += x[i];
        return s / (to - from);
    }
}
