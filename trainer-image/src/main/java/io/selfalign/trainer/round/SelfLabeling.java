package io.selfalign.trainer.round;

import io.selfalign.api.round.JudgeReference;
import io.selfalign.api.round.LengthControl;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.TruncatedResponses;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.data.PromptRow;
import io.selfalign.trainer.generate.SamplingParams;
import io.selfalign.trainer.guidance.RankedList;
import io.selfalign.trainer.judge.Candidate;
import io.selfalign.trainer.judge.ValidationSignal;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.judge.Judge;
import io.selfalign.trainer.judge.JudgeRequest;
import io.selfalign.trainer.judge.LengthDebias;
import io.selfalign.trainer.judge.PairSelection;
import io.selfalign.trainer.metrics.RoundProgress;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.train.LengthLimits;
import io.selfalign.trainer.train.TokenizedPair;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Iteration k ≥ 1 before training: sample K responses per prompt from the policy, judge them, keep the
 * best and the worst per prompt (docs/algorithm.md §1–2). Owns the judge reference model while it is needed.
 */
final class SelfLabeling implements AutoCloseable {
    private final RoundSpec spec;
    private final LanguageModel policy;
    private final ComputeDevice device;
    private final RoundPaths paths;
    private final RoundProgress progress;
    private final PrintStream log;
    private final Judge pluggedJudge;
    private final long seed;
    private final HeldOutPairs heldOut;
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private LanguageModel judgeReference;
    private LanguageModel directionModel;
    /** θ of the judge: the spec's, or under {@code judge.select: validation} the one the held-out pairs chose (NaN until then). */
    private double referenceWeight;
    /** The held-out pairs scored by this round's policy and reference, once. */
    private ValidationSignal signal;
    /** The round's length fit under {@code lengthControl: regress}, applied to held-out pairs as well; none otherwise. */
    private LengthDebias debias = new LengthDebias(0);
    /** The candidates of the last {@link #select}, their final rewards and which could be paired: for {@link #rankings}. */
    private Judged selected;
    private boolean[][] selectable;

    /** @param heldOut the validation pairs, or null when the run has none */
    SelfLabeling(RoundSpec spec, LanguageModel policy, ComputeDevice device, RoundPaths paths, RoundProgress progress,
                 PrintStream log, Judge judge, long seed, HeldOutPairs heldOut) {
        this.spec = spec;
        this.policy = policy;
        this.device = device;
        this.paths = paths;
        this.progress = progress;
        this.log = log;
        this.pluggedJudge = judge;
        this.seed = seed;
        this.heldOut = heldOut;
        // A plugged-in judge (the benchmark's oracle) has no weight to choose.
        this.referenceWeight = judge == null && heldOut != null && spec.judge().choosesWeight(spec.data()) ? Double.NaN
                : spec.judge().referenceWeightOrDefault();
    }

    /**
     * The candidates of some prompts and their rewards, with what generating and judging them cost.
     *
     * @param rows     the prompts, in order
     * @param requests per prompt: its tokens and its K candidates
     * @param rewards  the judge's reward of candidate j of prompt i
     */
    record Judged(List<PromptRow> rows, List<JudgeRequest> requests, double[][] rewards, long generatedTokens,
                  double generateSeconds, double judgeSeconds) {}

    /**
     * Generates, judges and selects; returns one pair per prompt (fewer when ties are dropped or, with
     * {@code judge.truncated: exclude}, when a prompt has fewer than two responses that ended with EOS).
     */
    List<LabeledPair> label(List<PromptRow> rows, Path promptsFile) throws IOException {
        return select(generateAndJudge(rows, promptsFile, 0));
    }

    /**
     * Samples K responses for each prompt and judges them. {@code firstPrompt} is the index of {@code rows.get(0)}
     * among the round's prompts: a shard starting on a batch boundary of the round's candidate list samples and
     * judges (batches of {@code generation.batchSize} candidates either way) exactly what one pass over all prompts does.
     */
    Judged generateAndJudge(List<PromptRow> rows, Path promptsFile, int firstPrompt) throws IOException {
        RoundSpec.Generation g = spec.generation();
        int k = g.samplesPerPrompt();
        List<long[]> promptTokens = new ArrayList<>(rows.size());
        List<long[]> repeated = new ArrayList<>(rows.size() * k);
        for (PromptRow row : rows) {
            long[] ids = LengthLimits.leftTruncate(InputException.at(promptsFile, row.line(), () -> policy.encodePrompt(row.prompt())),
                    spec.training().maxPromptLength());
            promptTokens.add(ids);
            for (int j = 0; j < k; j++) repeated.add(ids);
        }
        log.println("round: iteration " + spec.iteration() + ": sampling " + k + " responses for each of " + rows.size() + " prompts");
        progress.stage("generate", repeated.size());
        long start = System.nanoTime();
        SamplingParams params = SamplingParams.sample(g.temperature(), g.topP(), g.topK(), g.maxNewTokens(), g.batchSize());
        List<long[]> samples = repeated.isEmpty() ? List.of()
                : policy.generator().generate(repeated, params, seed, firstPrompt * k, progress::advance);
        double genSeconds = (System.nanoTime() - start) / 1e9;
        long generated = samples.stream().mapToLong(s -> s.length).sum();

        List<JudgeRequest> requests = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<Candidate> candidates = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
                long[] tokens = samples.get(i * k + j);
                boolean finished = tokens.length > 0 && policy.eosIds().contains(tokens[tokens.length - 1]);
                candidates.add(new Candidate(policy.responseText(tokens), tokens, finished));
            }
            requests.add(new JudgeRequest(rows.get(i).prompt(), promptTokens.get(i), candidates));
        }
        log.println("round: judging " + repeated.size() + " responses");
        progress.stage("judge", rows.size());
        start = System.nanoTime();
        double[][] rewards = requests.isEmpty() ? new double[0][] : judge().rewards(requests);
        double judgeSeconds = (System.nanoTime() - start) / 1e9;
        progress.advance(rows.size());
        return new Judged(rows, requests, rewards, generated, genSeconds, judgeSeconds);
    }

    /** Keeps the best and the worst candidate of each prompt (after the length control), and the round's labeling metrics. */
    List<LabeledPair> select(Judged judged) {
        List<PromptRow> rows = judged.rows();
        List<JudgeRequest> requests = judged.requests();
        double[][] rewards = judged.rewards();
        int k = spec.generation().samplesPerPrompt();
        int candidateCount = requests.size() * k;
        boolean excludeTruncated = spec.judge().truncatedOrDefault() == TruncatedResponses.EXCLUDE;
        LengthControl lengthControl = spec.judge().lengthControlOrDefault();
        boolean[][] eligible = new boolean[requests.size()][k];
        int[][] lengths = new int[requests.size()][k];
        int[][] group = new int[requests.size()][k];
        int truncated = 0;
        for (int i = 0; i < requests.size(); i++) {
            for (int j = 0; j < k; j++) {
                Candidate c = requests.get(i).candidates().get(j);
                if (!c.finished()) truncated++;
                eligible[i][j] = c.finished() || !excludeTruncated;
                lengths[i][j] = c.tokens().length;
                group[i][j] = lengthControl == LengthControl.MATCH ? lengths[i][j] : 0;
            }
        }
        if (lengthControl == LengthControl.REGRESS) {
            debias = LengthDebias.fit(rewards, lengths, eligible);
            for (int i = 0; i < rewards.length; i++) {
                for (int j = 0; j < k; j++) rewards[i][j] = debias.apply(rewards[i][j], lengths[i][j]);
            }
            metrics.put("length_slope", debias.slope());
        }
        PairSelection.Outcome outcome = PairSelection.select(rewards, eligible, group, spec.judge().dropTies());
        selected = judged;
        selectable = eligible;

        List<LabeledPair> pairs = new ArrayList<>(outcome.pairs().size());
        for (PairSelection.Selected s : outcome.pairs()) {
            JudgeRequest r = requests.get(s.request());
            Candidate chosen = r.candidates().get(s.chosen());
            Candidate rejected = r.candidates().get(s.rejected());
            pairs.add(new LabeledPair("self", rows.get(s.request()).row(), r.prompt(), chosen.text(), rejected.text(),
                    new TokenizedPair(r.promptTokens(), chosen.tokens(), rejected.tokens()), s.chosenReward(), s.rejectedReward()));
        }
        long judgedTokens = 0;
        for (JudgeRequest r : requests) {
            for (Candidate c : r.candidates()) judgedTokens += r.promptTokens().length + c.tokens().length;
        }
        metrics.put("prompts", (double) rows.size());
        metrics.put("candidates", (double) candidateCount);
        metrics.put("ties", (double) outcome.ties());
        metrics.put("truncated", (double) truncated / candidateCount);
        metrics.put("skipped_prompts", (double) outcome.skipped());
        metrics.put("reward_gap_mean", outcome.meanGap());
        metrics.put("response_length_mean", (double) judged.generatedTokens() / candidateCount);
        // Per pod: a sharded round's seconds are the shards' summed, so these stay comparable with an unsharded round.
        metrics.put("gen_tokens_per_s", judged.generatedTokens() / judged.generateSeconds());
        metrics.put("judge_tokens_per_s", judgedTokens / judged.judgeSeconds());
        return pairs;
    }

    /**
     * Each prompt's candidates that could be paired, best first by the judge's final rewards (after the length control):
     * what a listwise guidance fit learns. A prompt with fewer than two, or whose candidates all tie, orders nothing and
     * is left out.
     */
    List<RankedList> rankings() {
        List<RankedList> out = new ArrayList<>();
        for (int i = 0; i < selected.requests().size(); i++) {
            JudgeRequest r = selected.requests().get(i);
            double[] reward = selected.rewards()[i];
            List<Integer> order = new ArrayList<>();
            for (int j = 0; j < reward.length; j++) if (selectable[i][j]) order.add(j);
            if (order.size() < 2) continue;
            order.sort((a, b) -> Double.compare(reward[b], reward[a]));
            if (reward[order.get(0)] == reward[order.get(order.size() - 1)]) continue;
            out.add(new RankedList(r.promptTokens(), order.stream().map(j -> r.candidates().get(j).tokens()).toList()));
        }
        return out;
    }

    /** The judge's agreement with gold pairs, with the round's length term when it has one (judge.lengthControl: regress). */
    double agreement(List<LabeledPair> goldPairs) throws IOException {
        return JudgeAgreement.of(judge(), goldPairs, debias);
    }

    /**
     * The round's judge on the held-out pairs, with the round's length term: {@code judge_accuracy}, and on the pairs
     * the base model orders wrongly {@code judge_direction_accuracy}, with their balance {@code judge_balanced_accuracy}.
     */
    Map<String, Double> heldOutMetrics() throws IOException {
        Map<String, Double> m = new LinkedHashMap<>();
        if (pluggedJudge != null) {
            m.put("judge_accuracy", JudgeAgreement.of(pluggedJudge, heldOut.pairs(), debias));
            return m;
        }
        judge();
        ValidationSignal.Accuracy a = signal().at(spec.training().beta(), referenceWeight, debias);
        m.put("judge_accuracy", a.overall());
        // Without a pair the base model orders wrongly there is no direction to measure (and JSON has no NaN).
        if (!Double.isNaN(a.direction())) m.put("judge_direction_accuracy", a.direction());
        m.put("judge_balanced_accuracy", a.balanced());
        m.put("validation_base_wrong", (double) heldOut.baseWrongCount());
        return m;
    }

    private ValidationSignal signal() throws IOException {
        if (signal == null) signal = heldOut.signal(HeldOutPairs.judge(spec, policy, direction(), reference(), 1));
        return signal;
    }

    Map<String, Double> metrics() {
        return metrics;
    }

    private Judge judge() throws IOException {
        if (pluggedJudge != null) return pluggedJudge;
        if (Double.isNaN(referenceWeight)) {
            LengthDebias none = new LengthDebias(0);
            referenceWeight = signal().bestWeight(spec.training().beta(), none);
            metrics.put("judge_reference_weight", referenceWeight);
            StringBuilder grid = new StringBuilder();
            for (double w : ValidationSignal.WEIGHTS) {
                ValidationSignal.Accuracy a = signal().at(spec.training().beta(), w, none);
                grid.append(String.format(Locale.ROOT, "; θ %.2f: accuracy %.3f, direction %.3f, balanced %.3f", w, a.overall(), a.direction(), a.balanced()));
            }
            log.println("round: judge.select validation: reference weight θ " + referenceWeight + " (0 unless a larger θ orders the "
                    + heldOut.pairs().size() + " held-out pairs significantly better" + grid + ")");
        } else if (spec.judge().reference() != JudgeReference.NONE) {
            metrics.put("judge_reference_weight", referenceWeight);
        }
        // θ = 0 needs no second model on the candidates.
        return referenceWeight == 0 ? HeldOutPairs.judge(spec, policy, null, null, 0)
                : HeldOutPairs.judge(spec, policy, direction(), reference(), referenceWeight);
    }

    /**
     * The judge's reference model, loaded on first use: {@code judge.reference}, or the base model when that is none
     * and the round chooses θ on the held-out pairs; null when there is none.
     */
    private DecoderModel reference() throws IOException {
        boolean none = spec.judge().reference() == JudgeReference.NONE;
        if (none && !spec.judge().choosesWeight(spec.data())) return null;
        if (judgeReference == null) {
            judgeReference = none ? ModelLoading.load(paths.local(spec.paths().baseModel()), device, "paths.baseModel")
                    : ModelLoading.load(paths.local(spec.paths().judgeReference()), device, "paths.judgeReference");
        }
        return judgeReference.model();
    }

    /**
     * The model whose direction the judge weighs ({@code paths.directionModel}), loaded on first use; null for the
     * policy's own (no such path, or the policy itself: iteration 1 starts from the seed round's model).
     */
    private DecoderModel direction() throws IOException {
        String dir = spec.paths().directionModel();
        if (dir == null || paths.local(dir).equals(paths.local(spec.paths().policyModel()))) return null;
        if (directionModel == null) directionModel = ModelLoading.load(paths.local(dir), device, "paths.directionModel");
        return directionModel.model();
    }

    /** Frees the judge reference and direction model before training. */
    @Override
    public void close() {
        if (judgeReference != null) judgeReference.close();
        if (directionModel != null) directionModel.close();
    }
}
