package io.selfalign.charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The files that make up the repository: everything under {@link Repo#ROOT} except build output, version control
 * and the local working folders a developer's checkout may hold (so the checks see what a fresh clone has).
 */
final class RepoFiles {
    /** Build output, VCS data, IDE and local-mode workspaces, benchmark output (`bench alignment`'s default --out). */
    private static final Set<String> SKIPPED_DIRS = Set.of("target", ".git", ".selfalign", ".idea", ".vscode", "node_modules",
            "bench-alignment");

    private RepoFiles() {}

    /** Every regular file of the repository, sorted. */
    static List<Path> all() {
        try (Stream<Path> walk = Files.walk(Repo.ROOT)) {
            return walk.filter(Files::isRegularFile).filter(RepoFiles::kept).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + Repo.ROOT, e);
        }
    }

    /** The repository's text files: those without a NUL byte in their first 8 KiB (checkpoints, images and jars have one). */
    static List<Path> text() {
        return all().stream().filter(RepoFiles::isText).collect(Collectors.toList());
    }

    /** The path relative to the repository root, with '/' separators, for messages. */
    static String name(Path file) {
        return Repo.ROOT.relativize(file).toString().replace('\\', '/');
    }

    private static boolean kept(Path file) {
        for (Path part : Repo.ROOT.relativize(file)) {
            if (SKIPPED_DIRS.contains(part.toString())) return false;
        }
        return true;
    }

    private static boolean isText(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(8192);
            for (byte b : head) {
                if (b == 0) return false;
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
