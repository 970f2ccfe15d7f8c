package io.selfalign.trainer.round;

import io.selfalign.api.round.JudgeScore;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.round.RoundResult;
import io.selfalign.trainer.judge.ImplicitRewardJudge;
import io.selfalign.trainer.judge.LengthDebias;
import io.selfalign.trainer.judge.ValidationSignal;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A round's held-out validation pairs, tokenized, with how the base model orders each on its own likelihood (the
 * judge's score, no reference): the split {@link ValidationSignal} measures judges on.
 */
final class HeldOutPairs {
    private final List<LabeledPair> pairs;
    private final boolean[] baseWrong;

    private HeldOutPairs(List<LabeledPair> pairs, boolean[] baseWrong) {
        this.pairs = List.copyOf(pairs);
        this.baseWrong = baseWrong;
    }

    /**
     * Scores the pairs with the base model: the policy itself when the round starts from it (iteration 0, or a run
     * without seed pairs at iteration 1), else the base model loaded for this and closed again.
     */
    static HeldOutPairs of(RoundSpec spec, RoundPaths paths, ComputeDevice device, LanguageModel policy, List<LabeledPair> pairs)
            throws IOException {
        Path base = paths.local(spec.paths().baseModel());
        if (base.equals(paths.local(spec.paths().policyModel()))) return new HeldOutPairs(pairs, baseWrong(spec, policy, pairs));
        try (LanguageModel model = ModelLoading.load(base, device, "paths.baseModel")) {
            return new HeldOutPairs(pairs, baseWrong(spec, model, pairs));
        }
    }

    private static boolean[] baseWrong(RoundSpec spec, LanguageModel base, List<LabeledPair> pairs) {
        ImplicitRewardJudge own = new ImplicitRewardJudge(base.model(), null, base.padId(), spec.training().beta(),
                spec.judge().score() == JudgeScore.MEAN, spec.generation().batchSize(), 0);
        return ValidationSignal.baseWrong(own.scores(JudgeAgreement.requests(pairs)).policy());
    }

    List<LabeledPair> pairs() {
        return pairs;
    }

    int baseWrongCount() {
        int n = 0;
        for (boolean w : baseWrong) if (w) n++;
        return n;
    }

    /** The pairs as a judge measures them: {@code judge} scores every chosen and rejected response once. */
    ValidationSignal signal(ImplicitRewardJudge judge) {
        int[][] lengths = new int[pairs.size()][];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = new int[] {pairs.get(i).tokens().chosen().length, pairs.get(i).tokens().rejected().length};
        }
        return new ValidationSignal(judge.scores(JudgeAgreement.requests(pairs)), baseWrong, lengths);
    }

    /**
     * Share of the pairs {@code model}'s own mean log-probability orders like the gold labels (ties ½), whatever the
     * round's judge: {@link RoundResult#VALIDATION_POLICY_ACCURACY}.
     */
    double policyAccuracy(RoundSpec spec, LanguageModel model) {
        ImplicitRewardJudge own = new ImplicitRewardJudge(model.model(), null, model.padId(), spec.training().beta(), true,
                spec.generation().batchSize(), 0);
        return signal(own).at(spec.training().beta(), 0, new LengthDebias(0)).overall();
    }

    /**
     * The model that {@code spec}'s judge would be with {@code policy} as its policy, weighted by θ, its direction
     * {@code direction}'s (null: the policy's own).
     */
    static ImplicitRewardJudge judge(RoundSpec spec, LanguageModel policy, DecoderModel direction, DecoderModel reference, double referenceWeight) {
        return new ImplicitRewardJudge(policy.model(), direction, reference, policy.padId(), spec.training().beta(),
                spec.judge().score() == JudgeScore.MEAN, spec.generation().batchSize(), referenceWeight);
    }
}
