package io.selfalign.trainer.round;

/**
 * Another trainer holds the round's lock: this one must not touch the round's outputs. A retryable
 * failure ({@link io.selfalign.api.round.RoundContract#EXIT_ROUND_BUSY}), since the holder may die.
 */
public final class RoundBusyException extends RuntimeException {
    RoundBusyException(String message) {
        super(message);
    }
}
