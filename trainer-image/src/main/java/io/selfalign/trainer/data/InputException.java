package io.selfalign.trainer.data;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The round spec or one of its input files is unusable. The message names the field, or the file and
 * line; the command exits with 78 (EX_CONFIG), which the operator never retries.
 */
public final class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem on one line of an input file: {@code file:line: message}. */
    public static InputException at(Path file, long line, String message) {
        return new InputException(file + ":" + line + ": " + message);
    }

    /** The value of {@code work} on one line's content; its IllegalArgumentException becomes a problem on that line. */
    public static <T> T at(Path file, long line, Supplier<T> work) {
        try {
            return work.get();
        } catch (IllegalArgumentException e) {
            throw at(file, line, e.getMessage());
        }
    }
}
