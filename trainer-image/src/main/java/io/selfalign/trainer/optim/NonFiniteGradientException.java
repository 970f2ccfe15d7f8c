package io.selfalign.trainer.optim;

/** A float32 gradient became inf or NaN: the training diverged (a runtime failure, not a spec error). */
public final class NonFiniteGradientException extends RuntimeException {
    public NonFiniteGradientException(String message) {
        super(message);
    }
}
