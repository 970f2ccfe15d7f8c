package io.selfalign.trainer.cli;

/** Bad input from the user (file, line, flag): the command prints its message as one line and exits 78. */
public class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }
}
