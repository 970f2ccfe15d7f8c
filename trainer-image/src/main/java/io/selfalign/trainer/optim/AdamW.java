package io.selfalign.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with decoupled weight decay, step for step as {@code torch.optim.AdamW} (single-tensor path):
 * w ← w·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * w ← w − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
 * Works in place on float32 weights; the moment buffers live outside any {@link NDScope}.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private long steps;

    public AdamW(double beta1, double beta2, double epsilon, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    /** PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8. */
    public static AdamW withWeightDecay(double weightDecay) {
        return new AdamW(0.9, 0.999, 1e-8, weightDecay);
    }

    /**
     * One update of every weight, in place.
     *
     * @param weights float32 weights (the master copies under mixed precision)
     * @param grads   their float32 gradients, already unscaled and clipped
     * @param decay   whether each weight gets weight decay (norms and biases do not, as in HF)
     * @param lr      this step's learning rate
     */
    public void step(List<NDArray> weights, List<NDArray> grads, List<Boolean> decay, double lr) {
        if (firstMoments.isEmpty()) {
            for (NDArray w : weights) {
                NDArray m = w.zerosLike();
                NDArray v = w.zerosLike();
                NDScope.unregister(m, v);
                firstMoments.add(m);
                secondMoments.add(v);
            }
        }
        steps++;
        double stepSize = lr / (1 - Math.pow(beta1, steps));
        double correction2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
        for (int i = 0; i < weights.size(); i++) {
            // One scope per weight: its temporaries (≈ 3 weight-sized arrays) are freed before the next
            // weight's, so the step's transient memory is that of the largest weight, not of the model.
            try (NDScope ignored = new NDScope()) {
                NDArray w = weights.get(i);
                NDArray g = grads.get(i);
                NDArray m = firstMoments.get(i);
                NDArray v = secondMoments.get(i);
                if (decay.get(i) && weightDecay != 0) w.muli(1 - lr * weightDecay);
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.square().muli(1 - beta2));
                NDArray denom = v.sqrt().divi(correction2Sqrt).addi(epsilon);
                w.subi(m.div(denom).muli(stepSize));
            }
        }
    }

    /** Updates done so far. */
    public long steps() {
        return steps;
    }
}
