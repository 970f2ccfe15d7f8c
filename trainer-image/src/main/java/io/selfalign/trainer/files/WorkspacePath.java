package io.selfalign.trainer.files;

import io.selfalign.trainer.data.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Keeps a round's file access inside its workspace: a path is checked on its real location (symbolic links
 * followed; for a file not there yet, its nearest existing parent), and one that leads outside is refused, not
 * followed. Spec paths are checked when resolved ({@code RoundPaths}); the files the trainer opens under them
 * (outputs, staging, lock, logs, model files it reads) are checked through {@link #check} while a round has
 * {@link #confine confined} this process to its workspace. The pod's termination log lies outside every workspace
 * by design and is written after the round.
 */
public final class WorkspacePath {
    /** The real path of the confining workspace, or null (no round running: other commands write where told). */
    private static volatile Path confinedTo;

    private WorkspacePath() {}

    /** Until the returned scope closes, {@link #check} refuses paths that lead out of {@code workspace}. */
    public static Scope confine(Path workspace) throws IOException {
        Path previous = confinedTo;
        confinedTo = Files.isDirectory(workspace) ? workspace.toRealPath() : null;
        return () -> confinedTo = previous;
    }

    /** {@code file}, once its real location is known to lie inside the confining workspace (if any). */
    public static Path check(Path file) {
        Path root = confinedTo;
        if (root != null) requireInside(file.toString(), root, file.toAbsolutePath().normalize());
        return file;
    }

    /**
     * Refuses {@code file} when its real location, or its nearest existing parent's, is outside {@code workspace}
     * (a link to nothing is refused too: writing through it would create its target).
     *
     * @param name what the message names: the spec path, or the file itself
     */
    public static void requireInside(String name, Path workspace, Path file) {
        if (!Files.isDirectory(workspace)) return; // nothing under it can be read or written either
        Path existing = file;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
        if (existing == null) return;
        Path real;
        Path realWorkspace;
        try {
            realWorkspace = workspace.toRealPath();
            real = existing.toRealPath();
        } catch (IOException e) {
            throw new InputException(name + ": " + existing + " is a symbolic link to nothing (" + e.getMessage() + ")");
        }
        if (!real.startsWith(realWorkspace)) {
            throw new InputException(name + ": leads out of the workspace through a symbolic link (" + existing + " is really "
                    + real + "); link targets must lie inside the workspace");
        }
    }

    /** Ends a confinement. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
