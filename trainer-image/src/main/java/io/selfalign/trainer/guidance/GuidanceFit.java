package io.selfalign.trainer.guidance;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.optim.AdamW;
import io.selfalign.trainer.optim.DynamicLossScaler;
import io.selfalign.trainer.optim.LearningRateSchedule;
import io.selfalign.trainer.optim.ParameterUpdater;
import io.selfalign.trainer.optim.TrainableParameters;
import io.selfalign.trainer.runtime.StopSignal;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.train.LengthLimits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Fits the guidance model to rankings (docs/algorithm.md §6): the Plackett–Luce loss of each list's aggregated
 * token scores ({@link RankingLoss}; Bradley–Terry for pairs), with the round's AdamW, schedule, clipping, batch and
 * micro-batch sizes (lists, not pairs), for {@code training.guidance.epochs} at {@code training.guidance.learningRate}. A step takes lists of one
 * length only, so each micro-batch is one [lists, K] tensor; lengths are cut as the policy's training cuts them.
 */
public final class GuidanceFit {
    /** What fitting did: means over every list visit; {@code accuracy} is the share whose first response scored highest. */
    public record Summary(long steps, int lists, double lossFinal, double lossMean, double accuracy, double seconds) {}

    private final GuidanceModel guidance;
    private final RoundSpec.Training config;
    private final long seed;

    public GuidanceFit(GuidanceModel guidance, RoundSpec.Training config, long seed) {
        if (config.guidance() == null) throw new IllegalArgumentException("training.guidance: required to fit a guidance model");
        this.guidance = guidance;
        this.config = config;
        this.seed = seed;
    }

    public Summary fit(List<RankedList> raw) {
        LengthLimits limits = new LengthLimits(config.maxLength(), config.maxPromptLength());
        List<RankedList> lists = raw.stream().map(l -> l.limited(limits)).toList();
        Random shuffler = new Random(seed);
        List<List<Integer>> steps = new ArrayList<>();
        for (int epoch = 0, epochs = config.guidance().epochsOr(config.epochs()); epoch < epochs; epoch++) {
            List<List<Integer>> epochSteps = new ArrayList<>();
            for (List<Integer> sameLength : bySize(lists).values()) {
                List<Integer> order = new ArrayList<>(sameLength);
                Collections.shuffle(order, shuffler);
                for (int b = 0; b < order.size(); b += config.batchSize()) {
                    epochSteps.add(order.subList(b, Math.min(order.size(), b + config.batchSize())));
                }
            }
            Collections.shuffle(epochSteps, shuffler);
            steps.addAll(epochSteps);
        }
        long start = System.nanoTime();
        if (steps.isEmpty()) return new Summary(0, lists.size(), Double.NaN, Double.NaN, Double.NaN, 0);
        DecoderModel model = guidance.classifier();
        DynamicLossScaler scaler = model.dataType() == DataType.FLOAT16 ? DynamicLossScaler.forFloat16() : DynamicLossScaler.none();
        ParameterUpdater updater = new ParameterUpdater(new TrainableParameters(model.parameters()),
                AdamW.withWeightDecay(config.weightDecay()), LearningRateSchedule.of(config.schedule(), config.warmupRatio(), steps.size()),
                config.guidance().learningRate(), config.maxGradNorm(), scaler);
        model.setTrainable(true);
        double lossSum = 0;
        double correct = 0;
        long visits = 0;
        double lossFinal = Double.NaN;
        try {
            for (int step = 0; step < steps.size(); step++) {
                StopSignal.check("guidance step " + (step + 1) + " of " + steps.size());
                List<Integer> batch = steps.get(step);
                double stepLoss = 0;
                for (int m = 0; m < batch.size(); m += config.microBatchSize()) {
                    List<RankedList> micro = batch.subList(m, Math.min(batch.size(), m + config.microBatchSize())).stream().map(lists::get).toList();
                    double[] outcome = microBatch(micro, batch.size(), updater.lossScale());
                    stepLoss += outcome[0];
                    correct += outcome[1];
                }
                updater.step(step);
                lossSum += stepLoss;
                visits += batch.size();
                lossFinal = stepLoss / batch.size();
            }
        } finally {
            model.setTrainable(false);
        }
        return new Summary(steps.size(), lists.size(), lossFinal, lossSum / visits, correct / visits, (System.nanoTime() - start) / 1e9);
    }

    /** Forward + backward of lists of one length; returns their summed loss and how many ranked their first response highest. */
    private double[] microBatch(List<RankedList> micro, int effectiveBatch, double lossScale) {
        int k = micro.get(0).size();
        try (NDScope ignored = new NDScope();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            ScoringBatch batch = ScoringBatch.of(GuidanceModel.sequences(micro), guidance.padId(), guidance.classifier().manager());
            NDArray scores = guidance.sequenceScores(batch).reshape(micro.size(), k);
            NDArray losses = RankingLoss.perList(scores);
            collector.backward(losses.sum().mul(lossScale / effectiveBatch));
            float[] e = scores.toFloatArray();
            double top = 0;
            for (int l = 0; l < micro.size(); l++) {
                boolean first = true;
                for (int j = 1; j < k; j++) first &= e[l * k] > e[l * k + j];
                if (first) top++;
            }
            return new double[] {losses.sum().getFloat(), top};
        }
    }

    private static Map<Integer, List<Integer>> bySize(List<RankedList> lists) {
        Map<Integer, List<Integer>> out = new TreeMap<>();
        for (int i = 0; i < lists.size(); i++) out.computeIfAbsent(lists.get(i).size(), s -> new ArrayList<>()).add(i);
        return out;
    }
}
