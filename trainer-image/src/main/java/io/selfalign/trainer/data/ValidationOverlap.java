package io.selfalign.trainer.data;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How many held-out pairs are not held out: the share of {@code data.validationPreferences} whose prompt is also a
 * training prompt (a seed pair's, or a prompt row the run samples). Accuracies measured on them overstate how well the
 * judge labels unseen prompts; the operator warns when the share is above 0. Prompts compare exactly (text, or the
 * whole conversation).
 */
public final class ValidationOverlap {
    /** The round metric's name. */
    public static final String METRIC = "validation_prompt_overlap";

    private ValidationOverlap() {}

    /** @param seed the seed pairs, or null; @param prompts the round's prompt rows (iteration 0: the whole run's), or null */
    public static double share(List<SeedPreference> validation, List<SeedPreference> seed, List<PromptRow> prompts) {
        if (validation.isEmpty()) return 0;
        Set<PromptInput> training = new HashSet<>();
        if (seed != null) seed.forEach(p -> training.add(p.prompt()));
        if (prompts != null) prompts.forEach(p -> training.add(p.prompt()));
        long shared = validation.stream().filter(p -> training.contains(p.prompt())).count();
        return (double) shared / validation.size();
    }
}
