package io.selfalign.trainer.optim;

/**
 * Dynamic loss scaling for float16 training, with {@code torch.amp.GradScaler}'s defaults: start at
 * 2¹⁶; on a non-finite gradient skip the step and halve the scale; after 2000 finite steps in a row
 * double it. The float32 variant keeps the scale at 1 and treats a non-finite gradient as an error.
 */
public final class DynamicLossScaler {
    private final boolean dynamic;
    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private double scale;
    private int finiteInARow;

    public DynamicLossScaler(double initialScale, double growthFactor, double backoffFactor, int growthInterval) {
        this(true, initialScale, growthFactor, backoffFactor, growthInterval);
    }

    private DynamicLossScaler(boolean dynamic, double initialScale, double growthFactor, double backoffFactor, int growthInterval) {
        this.dynamic = dynamic;
        this.scale = initialScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** GradScaler's defaults, for float16. */
    public static DynamicLossScaler forFloat16() {
        return new DynamicLossScaler(65536.0, 2.0, 0.5, 2000);
    }

    /** Scale 1, never changes (float32). */
    public static DynamicLossScaler none() {
        return new DynamicLossScaler(false, 1.0, 1.0, 1.0, Integer.MAX_VALUE);
    }

    public boolean dynamic() {
        return dynamic;
    }

    /** The factor the loss is multiplied by before backward. */
    public double scale() {
        return scale;
    }

    /** Records whether this step's gradients were finite and adapts the scale. */
    public void update(boolean finite) {
        if (!dynamic) return;
        if (!finite) {
            scale *= backoffFactor;
            finiteInARow = 0;
        } else if (++finiteInARow >= growthInterval) {
            scale *= growthFactor;
            finiteInARow = 0;
        }
    }
}
