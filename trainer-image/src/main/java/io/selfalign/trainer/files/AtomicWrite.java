package io.selfalign.trainer.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file through a temporary sibling that is then renamed over it, so a reader (or a rerun after a
 * kill) never sees half a file. The temporary name keeps the target's extension ({@code .tmp-name.ext}),
 * for writers that insist on one.
 */
public final class AtomicWrite {
    /** Writes the whole content to the given (temporary) path. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path path) throws IOException;
    }

    private AtomicWrite() {}

    public static void write(Path target, Content content) throws IOException {
        WorkspacePath.check(target);
        Path tmp = WorkspacePath.check(target.resolveSibling(".tmp-" + target.getFileName()));
        try {
            content.writeTo(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw Io.naming(target, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, path -> Files.write(path, bytes));
    }
}
