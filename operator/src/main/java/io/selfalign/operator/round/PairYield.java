package io.selfalign.operator.round;

import io.selfalign.api.round.LengthControl;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.TruncatedResponses;
import io.selfalign.api.v1alpha1.AlignmentRunSpec;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a self-labelling round made enough pairs to count as a round. A round that pairs almost none of its
 * prompts trains on (next to) nothing, so its model is the previous one's: reporting it as a success would hide
 * that the spec cannot work (typically every response cut at generation.maxNewTokens while judge.truncated
 * excludes cut responses). Such a round stops the run, naming the cause and the setting to change.
 */
public final class PairYield {
    /** Failure reason (condition, event, metric) of a round that paired too few prompts. */
    public static final String REASON = "TooFewPairs";

    /** A round must pair at least this share of its prompts. */
    public static final double MIN_SHARE = 0.10;

    private PairYield() {}

    /**
     * What is wrong with round {@code k}'s yield, if anything (the caller names the round). Only rounds that label their own pairs (k ≥ 1) and
     * trained are judged; a result without the {@code pairs} metric (an older trainer) is not.
     */
    public static Optional<String> problem(int k, RoundResult result, AlignmentRunSpec spec) {
        Map<String, Double> m = result.metrics();
        if (k < 1 || result.guardStopped() || m == null || m.get("pairs") == null) return Optional.empty();
        double pairs = m.get("pairs");
        Double prompts = m.get("prompts");
        boolean tooFew = pairs < 1 || (prompts != null && prompts > 0 && pairs < MIN_SHARE * prompts);
        if (!tooFew) return Optional.empty();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "the round made %.0f training pairs", pairs));
        if (prompts != null) b.append(String.format(Locale.ROOT, " from %.0f prompts (fewer than %.0f%%)", prompts, MIN_SHARE * 100));
        Double skipped = m.get("skipped_prompts");
        if (skipped != null) b.append(String.format(Locale.ROOT, "; %.0f prompts had no pair", skipped));
        Double truncated = m.get("truncated");
        if (truncated != null) {
            b.append(String.format(Locale.ROOT, "; %.0f%% of the responses reached generation.maxNewTokens (%d) before EOS",
                    truncated * 100, spec.generation.maxNewTokens));
        }
        b.append(": ").append(fix(truncated, spec)).append(". The run stopped instead of training on nothing");
        return Optional.of(b.toString());
    }

    private static String fix(Double truncated, AlignmentRunSpec spec) {
        if (truncated != null && truncated > 0 && spec.judge.truncated == TruncatedResponses.EXCLUDE) {
            return "judge.truncated: exclude never pairs a cut response, so raise spec.generation.maxNewTokens "
                    + "or set spec.judge.truncated: keep";
        }
        if (spec.judge.lengthControl == LengthControl.MATCH) {
            return "judge.lengthControl: match pairs only responses of equal length: raise spec.generation.samplesPerPrompt "
                    + "or use spec.judge.lengthControl: regress";
        }
        if (spec.judge.dropTies) return "judge.dropTies drops prompts whose responses tie: set spec.judge.dropTies: false or raise "
                + "spec.generation.temperature";
        return "raise spec.generation.samplesPerPrompt or spec.generation.temperature so that each prompt's responses differ";
    }
}
