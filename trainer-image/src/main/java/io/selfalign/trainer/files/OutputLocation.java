package io.selfalign.trainer.files;

import io.selfalign.trainer.data.InputException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks a command's output option before any work: a file or directory where a directory must be would otherwise
 * surface as a JDK exception (FileAlreadyExists, NotADirectory) with a stack trace, after the model has run.
 */
public final class OutputLocation {
    private OutputLocation() {}

    /** {@code path} can become a file: it is not a directory, and every existing ancestor is one. */
    public static void requireFile(String option, Path path) {
        Path p = path.toAbsolutePath().normalize();
        if (Files.isDirectory(p)) throw new InputException(option + ": " + path + " is a directory; give a file name");
        requireDirectoryAncestors(option, path, p.getParent());
    }

    /** {@code path} is a directory or can be created as one. */
    public static void requireDirectory(String option, Path path) {
        requireDirectoryAncestors(option, path, path.toAbsolutePath().normalize());
    }

    /** The nearest existing one of {@code dir} and its parents is a directory (links followed). */
    private static void requireDirectoryAncestors(String option, Path given, Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    String what = p.equals(given.toAbsolutePath().normalize()) ? "is" : p + " is";
                    throw new InputException(option + ": " + given + ": " + what + " a file, not a directory");
                }
                return;
            }
        }
    }
}
