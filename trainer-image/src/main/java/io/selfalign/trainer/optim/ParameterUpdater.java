package io.selfalign.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.List;

/**
 * One optimizer step over accumulated gradients: unscale (loss scaling), check for overflow, clip by
 * global norm, AdamW at the scheduled learning rate, refresh float16 weights, zero the gradients.
 */
public final class ParameterUpdater {
    private final TrainableParameters parameters;
    private final AdamW adamW;
    private final LearningRateSchedule schedule;
    private final double learningRate;
    private final double maxGradNorm;
    private final DynamicLossScaler scaler;

    /** What one step did. {@code gradNorm} is before clipping; a skipped step changed no weight. */
    public record Report(long step, double learningRate, double gradNorm, double lossScale, boolean skipped) {}

    public ParameterUpdater(TrainableParameters parameters, AdamW adamW, LearningRateSchedule schedule,
                            double learningRate, double maxGradNorm, DynamicLossScaler scaler) {
        this.parameters = parameters;
        this.adamW = adamW;
        this.schedule = schedule;
        this.learningRate = learningRate;
        this.maxGradNorm = maxGradNorm;
        this.scaler = scaler;
    }

    /** The factor to multiply the loss by before {@code backward}. */
    public double lossScale() {
        return scaler.scale();
    }

    /**
     * Applies the gradients accumulated since the last step.
     *
     * @param step 0-based optimizer step (selects the learning rate)
     * @throws NonFiniteGradientException a float32 gradient is inf/NaN (training diverged)
     */
    public Report step(long step) {
        double lr = learningRate * schedule.multiplier(step);
        double scale = scaler.scale();
        try (NDScope ignored = new NDScope()) {
            List<NDArray> grads = parameters.float32Gradients(1 / scale);
            double norm = GlobalNormClipping.norm(grads);
            boolean finite = Double.isFinite(norm);
            if (!finite && !scaler.dynamic()) {
                throw new NonFiniteGradientException("gradient norm is " + norm + " at optimizer step " + step + " (training diverged; lower training.learningRate)");
            }
            if (finite) {
                GlobalNormClipping.clip(grads, norm, maxGradNorm);
                adamW.step(parameters.float32Weights(), grads, parameters.decay(), lr);
                parameters.copyMastersToWeights();
            }
            parameters.zeroGradients();
            scaler.update(finite);
            return new Report(step, lr, norm, scale, !finite);
        }
    }
}
