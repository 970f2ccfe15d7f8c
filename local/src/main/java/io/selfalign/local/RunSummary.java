package io.selfalign.local;

import io.fabric8.kubernetes.api.model.Condition;
import io.selfalign.api.round.BestRound;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.operator.status.ConditionsBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What local mode prints when a run has succeeded: why it stopped when it stopped early (the guard), and which
 * checkpoint to use. The latest round's model is not always the one to use: with validation pairs the operator
 * names the best one (status.bestCheckpoint), often an earlier round when a later one drifted.
 */
final class RunSummary {
    private RunSummary() {}

    /**
     * @param workspace the local folder shown in place of {@code /workspace}
     */
    static List<String> succeeded(AlignmentRunStatus status, Path workspace) {
        List<String> lines = new ArrayList<>();
        Condition complete = status.conditions == null ? null : status.conditions.stream()
                .filter(c -> ConditionsBuilder.COMPLETE.equals(c.getType())).findFirst().orElse(null);
        boolean early = complete != null && complete.getReason() != null && !"AllIterationsSucceeded".equals(complete.getReason());
        lines.add(early ? "Succeeded, stopped early (" + complete.getReason() + "): " + complete.getMessage() : "Succeeded.");

        String latest = status.latestCheckpoint;
        String best = status.bestCheckpoint;
        if (best != null) {
            Map<String, String> accuracy = heldOutAccuracy(status);
            String bestAccuracy = accuracy.get(best);
            lines.add((best.equals(latest) ? "Best and latest checkpoint (use this one): " : "Best checkpoint (use this one): ")
                    + local(best, workspace) + " (iteration " + status.bestIteration
                    + (bestAccuracy == null ? "" : ", held-out accuracy " + bestAccuracy) + ")");
            if (latest != null && !best.equals(latest)) {
                lines.add("Latest checkpoint: " + local(latest, workspace) + " (the last round's"
                        + (accuracy.containsKey(latest) ? " held-out accuracy " + accuracy.get(latest) : "")
                        + "; not better on the validation pairs)");
            }
        } else if (latest != null) {
            lines.add("Latest checkpoint: " + local(latest, workspace)
                    + " (no best one: the run has no data.validationPreferences to compare rounds on)");
        } else {
            lines.add("No checkpoint: no round trained a model; the base model is unchanged.");
        }
        return lines;
    }

    /** Per trained checkpoint, the held-out accuracy the best checkpoint was chosen by ({@link BestRound}), formatted. */
    private static Map<String, String> heldOutAccuracy(AlignmentRunStatus status) {
        Map<String, String> out = new HashMap<>();
        for (BestRound.Scored r : BestRound.of(status.trainedRoundMetrics(Integer.MAX_VALUE))) {
            out.put(status.findIteration(r.iteration()).checkpoint, String.format(Locale.ROOT, "%.4f", r.accuracy()));
        }
        return out;
    }

    private static String local(String podPath, Path workspace) {
        return podPath.replaceFirst("^/workspace", java.util.regex.Matcher.quoteReplacement(workspace.toString()));
    }
}
