package io.selfalign.trainer.keysort;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The benchmark's tasks: one prompt format, vocabulary and model, two demonstrators and gold rewards.
 * <ul>
 *   <li>{@code keysort}: the teacher's noise is random (drops, insertions, stutters), so the SFT model's most
 *       likely answer is already the ideal one, and a judge that only sharpens the model towards its own mode
 *       labels well;</li>
 *   <li>{@code keyecho}: the same teacher, but most of its responses end by repeating their last key (the
 *       "echo"), a habit the gold reward penalises. The SFT model's most likely answer shows the habit, so only
 *       the seed pairs can teach the fix: a judge without the seed's direction drifts back to the habit.</li>
 * </ul>
 */
public enum KeySortTask {
    KEYSORT("keysort", 0),
    KEYECHO("keyecho", 0.7);

    /** Gold reward lost by a response that shows the habit: as much as a wholly unsorted answer loses. */
    static final double HABIT_PENALTY = 1.0;

    private final String label;
    private final double habitProbability;

    KeySortTask(String label, double habitProbability) {
        this.label = label;
        this.habitProbability = habitProbability;
    }

    public String label() {
        return label;
    }

    /** Whether the task has a habit to measure ({@link #showsHabit}); KeySort's noise has none. */
    public boolean hasHabit() {
        return habitProbability > 0;
    }

    /** A demonstration: KeySort's teacher, then the habit with the task's probability. */
    public int[] respond(int[] keys, SplittableRandom rng) {
        int[] y = Teacher.respond(keys, rng);
        if (!hasHabit() || rng.nextDouble() >= habitProbability || showsHabit(y)) return y;
        int[] echoed = Arrays.copyOf(y, y.length + 1);
        echoed[y.length] = y[y.length - 1];
        return echoed;
    }

    /** The gold reward: KeySort's r*, minus {@link #HABIT_PENALTY} for the habit on the habit task. */
    public double goldReward(int[] keys, int[] response, boolean eos) {
        double r = GoldReward.score(keys, response, eos);
        return hasHabit() && showsHabit(response) ? r - HABIT_PENALTY : r;
    }

    /** The habit: the response (EOS not included) ends with its last content token twice. */
    public boolean showsHabit(int[] response) {
        int n = response.length;
        return hasHabit() && n >= 2 && response[n - 1] == response[n - 2];
    }

    /** The best reward a response can get (the ideal answer never shows the habit). */
    public double maxReward() {
        return GoldReward.MAX;
    }

    /** The task with this label; fails naming the known labels. */
    public static KeySortTask byLabel(String label, String option) {
        for (KeySortTask t : values()) if (t.label.equals(label)) return t;
        throw new IllegalArgumentException(option + ": unknown task '" + label + "', expected one of "
                + Arrays.stream(values()).map(KeySortTask::label).toList());
    }
}
