package io.selfalign.trainer.model;

/** A checkpoint directory that cannot be used as it is; the message names the file and the tensor or field. */
public class CheckpointException extends IllegalArgumentException {
    public CheckpointException(String message) {
        super(message);
    }
}
