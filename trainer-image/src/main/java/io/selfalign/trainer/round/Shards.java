package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.PromptRow;
import io.selfalign.trainer.judge.JudgeRequest;
import io.selfalign.trainer.runtime.LanguageModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The training pod's side of a sharded round: every shard checked, then their candidates gathered in prompt order. */
final class Shards {
    private Shards() {}

    static ShardPlan plan(RoundSpec spec) {
        RoundSpec.Generation g = spec.generation();
        return new ShardPlan(Math.toIntExact(spec.data().promptCount()), g.samplesPerPrompt(), g.batchSize(), g.shardsOrDefault());
    }

    /**
     * The records of all shards, each checked against this round (spec hash, prompt range, the digests of the
     * shard's inputs as they are now, candidates' size and SHA-256) before anything is loaded.
     *
     * @throws InputException (exit 78) naming every shard file that is missing or does not match: the generate
     *                        stage reported these shards done, so running this pod again cannot mend them
     */
    static List<ShardRecord> verified(RoundSpec spec, String hash, RoundPaths paths) throws IOException {
        ShardPlan plan = plan(spec);
        List<String> problems = new ArrayList<>();
        List<ShardRecord> records = new ArrayList<>(plan.shards());
        Map<String, String> models = InputDigests.models(spec, paths);
        for (int i = 0; i < plan.shards(); i++) {
            ShardDirectory dir = ShardDirectory.of(spec, paths, i);
            Optional<String> problem = dir.problem(hash, plan, i, InputDigests.ofShard(spec, plan.range(i), models, paths));
            if (problem.isPresent()) problems.add(problem.get());
            else records.add(dir.record());
        }
        if (!problems.isEmpty()) {
            throw new InputException("generation.shards: " + String.join("; ", problems) + "; the generate stage reported them done, so this pod "
                    + "cannot mend them: re-create the run to generate them again (finished rounds and intact shards are reused)");
        }
        return records;
    }

    /** The verified shards' candidates and rewards for the round's prompts, in prompt order, with their summed costs. */
    static SelfLabeling.Judged gather(RoundSpec spec, RoundPaths paths, List<ShardRecord> records, List<PromptRow> rows,
                                      LanguageModel policy) throws IOException {
        List<JudgeRequest> requests = new ArrayList<>(rows.size());
        List<double[]> rewards = new ArrayList<>(rows.size());
        long generated = 0;
        double generateSeconds = 0;
        double judgeSeconds = 0;
        for (ShardRecord r : records) {
            ShardDirectory.of(spec, paths, r.shard()).readInto(r, rows, spec.generation().samplesPerPrompt(), policy, requests, rewards);
            generated += r.generatedTokens();
            generateSeconds += r.generateSeconds();
            judgeSeconds += r.judgeSeconds();
        }
        return new SelfLabeling.Judged(rows, requests, rewards.toArray(double[][]::new), generated, generateSeconds, judgeSeconds);
    }
}
