package io.selfalign.trainer.optim;

import io.selfalign.api.round.LrSchedule;
/**
 * Learning-rate multiplier per optimizer step: linear warm-up from 0, then cosine decay to 0, linear
 * decay to 0, or constant — the formulas of Hugging Face's {@code get_*_schedule_with_warmup}, so that a
 * recipe's {@code warmup_ratio}/{@code lr_scheduler_type} mean the same here. Step s (0-based) uses the
 * multiplier at s, as the Hugging Face scheduler does before its first {@code step()}.
 */
public final class LearningRateSchedule {
    private final LrSchedule kind;
    private final long warmupSteps;
    private final long totalSteps;

    private LearningRateSchedule(LrSchedule kind, long warmupSteps, long totalSteps) {
        this.kind = kind;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
    }

    /**
     * @param kind        the decay after warm-up
     * @param warmupRatio share of the steps spent warming up; warm-up steps = ⌈ratio · total⌉ as in HF
     * @param totalSteps  optimizer steps of the whole training
     */
    public static LearningRateSchedule of(LrSchedule kind, double warmupRatio, long totalSteps) {
        return new LearningRateSchedule(kind, (long) Math.ceil(warmupRatio * totalSteps), totalSteps);
    }

    public long warmupSteps() {
        return warmupSteps;
    }

    /** The multiplier of the base learning rate at 0-based optimizer step {@code step}. */
    public double multiplier(long step) {
        if (step < warmupSteps) return (double) step / Math.max(1, warmupSteps);
        double remaining = Math.max(1, totalSteps - warmupSteps);
        return switch (kind) {
            case COSINE -> Math.max(0, 0.5 * (1 + Math.cos(Math.PI * (step - warmupSteps) / remaining)));
            case LINEAR -> Math.max(0, (totalSteps - step) / remaining);
            case CONSTANT -> 1.0;
        };
    }
}
