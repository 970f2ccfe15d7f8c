package io.selfalign.trainer.round;

import io.selfalign.api.round.GuidanceRanking;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.guidance.GuidanceFit;
import io.selfalign.trainer.guidance.GuidanceJudge;
import io.selfalign.trainer.guidance.GuidanceModel;
import io.selfalign.trainer.guidance.GuidedObjective;
import io.selfalign.trainer.guidance.RankedList;
import io.selfalign.trainer.metrics.RoundProgress;
import io.selfalign.trainer.model.CheckpointException;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A round's guidance model (docs/algorithm.md §6), for rounds whose judge or loss uses one: the previous round's
 * ({@code paths.guidanceModel}) or, at the run's first round, a fresh one from the policy; fitted to the round's
 * preferences before the policy trains, and written to {@code guidance/} beside the model.
 */
final class GuidanceRound implements AutoCloseable {
    private final RoundSpec spec;
    private final GuidanceModel model;

    private GuidanceRound(RoundSpec spec, GuidanceModel model) {
        this.spec = spec;
        this.model = model;
    }

    static GuidanceRound open(RoundSpec spec, RoundPaths paths, ComputeDevice device, LanguageModel policy, PrintStream log) throws IOException {
        RoundSpec.Guidance g = spec.training().guidance();
        String dir = spec.paths().guidanceModel();
        if (dir == null) {
            log.println("round: guidance model: a fresh token head on a copy of the policy's decoder");
            return new GuidanceRound(spec, GuidanceModel.fromPolicy(policy.model(), g.aggregation(), policy.padId()));
        }
        // RoundInputs has checked it against its round's manifest. Logged like the fresh head: the log says which model judges.
        log.println("round: guidance model: " + dir);
        try {
            return new GuidanceRound(spec, GuidanceModel.load(paths.local(dir), device, g.aggregation(), policy.padId()));
        } catch (CheckpointException e) {
            throw new InputException("paths.guidanceModel: " + e.getMessage(), e);
        }
    }

    /** {@code judge.kind: guidance}: candidates ranked by the guidance model's aggregate. */
    GuidanceJudge judge() {
        return new GuidanceJudge(model, spec.generation().batchSize());
    }

    /** The token weights of {@code training.loss: guidance}: weighted likelihood on the seed round's gold pairs, REINFORCE after. */
    GuidedObjective objective() {
        return new GuidedObjective(model, spec.iteration() == 0, spec.training().guidance().klCoefficient());
    }

    /**
     * Fits the model to the round's preferences: the gold pairs when given (the seed round's training data, and at later
     * rounds what anchors a model whose round labels may be its own) and the round's rankings, all of them or their
     * selected pairs ({@code training.guidance.ranking}). Reports {@code guidance_*} metrics.
     */
    void fit(List<LabeledPair> gold, List<RankedList> rankings, List<LabeledPair> roundPairs, long seed, RoundProgress progress,
             Map<String, Double> metrics, PrintStream log) {
        List<RankedList> lists = new ArrayList<>(pairs(gold));
        lists.addAll(spec.training().guidance().ranking() == GuidanceRanking.LISTWISE ? rankings : pairs(roundPairs));
        progress.stage("guidance", 0);
        GuidanceFit.Summary s = new GuidanceFit(model, spec.training(), seed).fit(lists);
        log.println(String.format(Locale.ROOT, "round: guidance model fitted to %d rankings in %d steps (%.1f s): loss %.4f, first ranked highest %.3f",
                s.lists(), s.steps(), s.seconds(), s.lossMean(), s.accuracy()));
        metrics.put("guidance_lists", (double) s.lists());
        metrics.put("guidance_steps", (double) s.steps());
        metrics.put("guidance_seconds", Math.round(s.seconds() * 1000) / 1000.0);
        if (s.steps() > 0) {
            metrics.put("guidance_loss_final", s.lossFinal());
            metrics.put("guidance_loss_mean", s.lossMean());
            metrics.put("guidance_accuracy", s.accuracy());
        }
    }

    void save(Path staging) throws IOException {
        model.save(staging.resolve(RoundContract.GUIDANCE_DIR));
    }

    private static List<RankedList> pairs(List<LabeledPair> pairs) {
        if (pairs == null) return List.of();
        return pairs.stream().map(p -> new RankedList(p.tokens().prompt(), List.of(p.tokens().chosen(), p.tokens().rejected()))).toList();
    }

    @Override
    public void close() {
        model.close();
    }
}
