package io.selfalign.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.guidance.GuidedObjective;
import io.selfalign.trainer.loss.NoiseDetection;
import io.selfalign.trainer.loss.PairScores;
import io.selfalign.trainer.loss.PreferenceLoss;
import io.selfalign.trainer.loss.SelfRefinement;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.LoraAdapters;
import io.selfalign.trainer.optim.AdamW;
import io.selfalign.trainer.optim.DynamicLossScaler;
import io.selfalign.trainer.optim.LearningRateSchedule;
import io.selfalign.trainer.optim.ParameterUpdater;
import io.selfalign.trainer.optim.TrainableParameters;
import io.selfalign.trainer.runtime.StopSignal;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Preference training of a policy on token-id pairs (docs/algorithm.md §3–5): micro-batches accumulated into
 * the effective batch, one AdamW step per batch with warm-up + schedule, global-norm clipping and — for
 * float16 weights — float32 master weights with dynamic loss scaling.
 *
 * <p>The reference is the policy as it is before training (π_init at the seed stage, π_{i−1} after);
 * {@link ReferenceStrategy} says how its scores are had: once before the first step, from a frozen copy at
 * every step for {@code spa} with λ > 0, or not at all for a reference-free loss.
 *
 * <p>A policy with {@link LoraAdapters} trains only the adapters (the base weights get no gradient, no master
 * copy and no moments), and its reference is the same model with the adapters off: no copy of the weights.
 */
public final class PreferenceTrainer {

    /** One optimizer step, as written to metrics.jsonl. Rewards, margin and accuracy are means over the step's pairs. */
    public record StepMetrics(long step, long totalSteps, int epoch, double learningRate, double loss, double rewardsChosen,
                              double rewardsRejected, double margin, double accuracy, double flaggedFraction, double tau,
                              double gradNorm, double lossScale, boolean skipped, long tokens, double tokensPerSecond,
                              double elapsedSeconds) {}

    /** A pair's state at its last visit: the confidence σ(μ) that y_w is preferred, and whether it was flagged. */
    public record PairOutcome(double confidence, boolean flagged) {}

    /** The whole training; means are over every pair visit. */
    public record Summary(long steps, double lossFinal, double lossMean, double rewardsChosen, double rewardsRejected,
                          double margin, double accuracy, double flaggedFraction, double tau, long tokens,
                          double tokensPerSecond, double seconds, List<PairOutcome> outcomes) {}

    /** Called after each optimizer step. */
    public interface Listener {
        void onStep(StepMetrics metrics);
    }

    private final DecoderModel policy;
    private final long padId;
    private final PreferenceLoss loss;
    private final RoundSpec.Training config;
    private final long seed;
    private final GuidedObjective guidance;

    /**
     * @param policy the model to train, in place (float32, or float16 on a GPU)
     * @param padId  padding token id
     * @param loss   this round's loss ({@link io.selfalign.trainer.loss.Losses#forRound})
     * @param config training parameters of the round spec
     * @param seed   shuffling seed
     * @param guidance the token weights of a {@link PreferenceLoss#guided() guided} loss, else null
     */
    public PreferenceTrainer(DecoderModel policy, long padId, PreferenceLoss loss, RoundSpec.Training config, long seed,
                             GuidedObjective guidance) {
        if (loss.guided() && guidance == null) throw new IllegalArgumentException("loss " + loss.name() + " needs a guidance model");
        this.policy = policy;
        this.padId = padId;
        this.loss = loss;
        this.config = config;
        this.seed = seed;
        this.guidance = guidance;
    }

    /** A trainer of a loss without a guidance model. */
    public PreferenceTrainer(DecoderModel policy, long padId, PreferenceLoss loss, RoundSpec.Training config, long seed) {
        this(policy, padId, loss, config, seed, null);
    }

    /** Optimizer steps for {@code pairs} pairs: ⌈pairs / batchSize⌉ per epoch. */
    public static long totalSteps(int pairs, RoundSpec.Training config) {
        return (long) config.epochs() * ((pairs + config.batchSize() - 1) / config.batchSize());
    }

    public Summary train(List<TokenizedPair> rawPairs, Listener listener) {
        LengthLimits limits = new LengthLimits(config.maxLength(), config.maxPromptLength());
        List<TokenizedPair> pairs = rawPairs.stream().map(limits::apply).toList();
        long totalSteps = totalSteps(pairs.size(), config);
        boolean refine = loss.refines();
        RoundSpec.Refinement r = config.refinement();
        double lambda = refine ? r.lambda() : 0;
        SelfRefinement refinement = refine ? new SelfRefinement(r.alpha(), r.noisyFraction(), r.window(), r.warmupFraction(), totalSteps) : null;
        PairOutcome[] outcomes = new PairOutcome[pairs.size()];
        long start = System.nanoTime();
        if (totalSteps == 0) {
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, 0, 0, Arrays.asList(outcomes));
        }

        LoraAdapters adapters = policy.adapters();
        // Before any step, so that the reference is the starting model.
        ReferenceStrategy reference = ReferenceStrategy.choose(loss, lambda, policy, pairs, padId, 2 * config.microBatchSize());
        setTrainable(true);
        DynamicLossScaler scaler = policy.dataType() == DataType.FLOAT16 ? DynamicLossScaler.forFloat16() : DynamicLossScaler.none();
        ParameterUpdater updater = new ParameterUpdater(new TrainableParameters(adapters != null ? adapters.parameters() : policy.parameters()),
                AdamW.withWeightDecay(config.weightDecay()), LearningRateSchedule.of(config.schedule(), config.warmupRatio(), totalSteps),
                config.learningRate(), config.maxGradNorm(), scaler);

        Random shuffler = new Random(seed);
        Totals all = new Totals();
        double lossFinal = Double.NaN;
        long step = 0;
        try {
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < pairs.size(); i++) order.add(i);
                Collections.shuffle(order, shuffler);
                for (int b = 0; b < order.size(); b += config.batchSize(), step++) {
                    StopSignal.check("training step " + (step + 1) + " of " + totalSteps);
                    List<Integer> batch = order.subList(b, Math.min(order.size(), b + config.batchSize()));
                    Totals stepTotals = new Totals();
                    long stepStart = System.nanoTime();
                    for (int m = 0; m < batch.size(); m += config.microBatchSize()) {
                        List<Integer> micro = batch.subList(m, Math.min(batch.size(), m + config.microBatchSize()));
                        microBatch(pairs, micro, batch.size(), step, updater.lossScale(), reference, refinement, lambda,
                                outcomes, stepTotals);
                    }
                    ParameterUpdater.Report report = updater.step(step);
                    all.add(stepTotals);
                    double stepLoss = stepTotals.lossSum / stepTotals.pairs;
                    lossFinal = stepLoss;
                    double seconds = (System.nanoTime() - stepStart) / 1e9;
                    listener.onStep(new StepMetrics(step, totalSteps, epoch, report.learningRate(), stepLoss,
                            stepTotals.chosenSum / stepTotals.pairs, stepTotals.rejectedSum / stepTotals.pairs,
                            stepTotals.marginSum / stepTotals.pairs, stepTotals.correct / stepTotals.pairs,
                            refine ? (double) stepTotals.flagged / stepTotals.pairs : 0, refine ? refinement.tau() : 0,
                            report.gradNorm(), report.lossScale(), report.skipped(), stepTotals.tokens, stepTotals.tokens / seconds,
                            (System.nanoTime() - start) / 1e9));
                }
            }
        } finally {
            setTrainable(false);
            reference.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Summary(step, lossFinal, all.lossSum / all.pairs, all.chosenSum / all.pairs, all.rejectedSum / all.pairs,
                all.marginSum / all.pairs, all.correct / all.pairs, refine ? (double) all.flagged / all.pairs : 0,
                refine ? refinement.tau() : 0, all.tokens, all.tokens / seconds, seconds, Arrays.asList(outcomes));
    }

    /** The adapters when the policy has them, else every weight. */
    private void setTrainable(boolean on) {
        if (policy.adapters() != null) {
            policy.adapters().setTrainable(on);
        } else {
            policy.setTrainable(on);
        }
    }

    /** Forward + backward of one micro-batch; gradients accumulate in the policy until the optimizer step. */
    private void microBatch(List<TokenizedPair> pairs, List<Integer> micro, int effectiveBatch, long step, double lossScale,
                            ReferenceStrategy reference, SelfRefinement refinement, double lambda, PairOutcome[] outcomes, Totals totals) {
        int b = micro.size();
        NDManager manager = policy.manager();
        try (NDScope ignored = new NDScope()) {
            List<ScoringBatch.Pair> sequences = new ArrayList<>(2 * b);
            float[] chosenTokens = new float[b];
            float[] rejectedTokens = new float[b];
            for (int i = 0; i < b; i++) {
                TokenizedPair p = pairs.get(micro.get(i));
                sequences.add(new ScoringBatch.Pair(p.prompt(), p.chosen()));
                chosenTokens[i] = p.chosen().length;
            }
            for (int i = 0; i < b; i++) {
                TokenizedPair p = pairs.get(micro.get(i));
                sequences.add(new ScoringBatch.Pair(p.prompt(), p.rejected()));
                rejectedTokens[i] = p.rejected().length;
            }
            ScoringBatch batch = ScoringBatch.of(sequences, padId, manager);
            // Outside the collector: no graph for the frozen reference.
            ReferenceStrategy.BatchReference ref = reference.of(batch, micro);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                // float16 logits are widened to float32 (keeping the gradient) inside the scorer.
                NDArray logits = SequenceScorer.responseLogits(policy, batch);
                NDArray tokenLogProbs = SequenceScorer.responseTokenLogProbs(logits, batch);
                NDArray scores = SequenceScorer.perSequence(tokenLogProbs, batch);
                PairScores s = new PairScores(scores.get(new NDIndex("0:{}", b)), scores.get(new NDIndex("{}:", b)),
                        ref.chosen(), ref.rejected(), manager.create(chosenTokens), manager.create(rejectedTokens), null);
                if (loss.guided()) s = s.withGuided(guided(batch, b, tokenLogProbs, scores, ref));
                NDArray[] rewards = loss.rewards(s);
                float[] chosenReward = rewards[0].toFloatArray();
                float[] rejectedReward = rewards[1].toFloatArray();
                double[] confidenceMargin = new double[b];
                boolean[] flagged = new boolean[b];
                if (refinement != null) {
                    NDArray mu;
                    if (lambda > 0) {
                        NDArray tilde = NoiseDetection.extrapolatedScores(logits, ref.logits(), batch, lambda);
                        mu = NoiseDetection.margin(tilde.get(new NDIndex("0:{}", b)), tilde.get(new NDIndex("{}:", b)),
                                ref.chosen(), ref.rejected(), config.beta());
                    } else {
                        mu = s.margin().mul(config.beta()).stopGradient();
                    }
                    double[] margins = toDoubles(mu.toFloatArray());
                    SelfRefinement.Decision[] decisions = refinement.judge(margins, step);
                    float[] flip = new float[b];
                    for (int i = 0; i < b; i++) {
                        flip[i] = (float) decisions[i].flipWeight();
                        flagged[i] = decisions[i].flagged();
                        confidenceMargin[i] = margins[i];
                    }
                    s = s.withFlipWeight(manager.create(flip));
                } else {
                    for (int i = 0; i < b; i++) confidenceMargin[i] = chosenReward[i] - rejectedReward[i];
                }
                NDArray perPair = loss.perPair(s);
                float[] losses = perPair.toFloatArray();
                collector.backward(perPair.sum().mul(lossScale / effectiveBatch));
                for (int i = 0; i < b; i++) {
                    outcomes[micro.get(i)] = new PairOutcome(1 / (1 + Math.exp(-confidenceMargin[i])), flagged[i]);
                    totals.pairs++;
                    totals.lossSum += losses[i];
                    totals.chosenSum += chosenReward[i];
                    totals.rejectedSum += rejectedReward[i];
                    totals.marginSum += chosenReward[i] - rejectedReward[i];
                    if (chosenReward[i] > rejectedReward[i]) totals.correct++;
                    if (flagged[i]) totals.flagged++;
                }
                totals.tokens += batch.attentionMask().sum().getLong();
            }
        }
    }

    /** Σ_t A_t·l_t of each pair [b] (chosen and rejected), the guidance model's weights A_t without gradient. */
    private NDArray guided(ScoringBatch batch, int b, NDArray tokenLogProbs, NDArray scores, ReferenceStrategy.BatchReference ref) {
        float[] logRatio = null;
        if (ref.chosen() != null) {
            logRatio = scores.stopGradient().sub(ref.chosen().concat(ref.rejected())).toFloatArray();
        }
        NDArray weighted = SequenceScorer.perSequence(tokenLogProbs.mul(guidance.weights(batch, b, logRatio)), batch);
        return weighted.get(new NDIndex("0:{}", b)).add(weighted.get(new NDIndex("{}:", b)));
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i];
        return out;
    }

    /** Running sums over pair visits. */
    private static final class Totals {
        long pairs;
        double lossSum;
        double chosenSum;
        double rejectedSum;
        double marginSum;
        double correct;
        long flagged;
        long tokens;

        void add(Totals o) {
            pairs += o.pairs;
            lossSum += o.lossSum;
            chosenSum += o.chosenSum;
            rejectedSum += o.rejectedSum;
            marginSum += o.marginSum;
            correct += o.correct;
            flagged += o.flagged;
            tokens += o.tokens;
        }
    }
}
