package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.trainer.files.AtomicWrite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The round's output directory ({@code …/iter-<k>}), written all at once: everything goes to a sibling
 * staging directory that is renamed into place when complete, so a killed round never leaves a
 * half-written {@code iter-<k>}. A leftover staging directory of a killed attempt is removed first;
 * the caller holds the round's {@link RoundLock}, so that directory is never a live trainer's.
 */
public final class RoundOutput {
    private final Path target;
    private final Path staging;

    private RoundOutput(Path target) {
        this.target = target;
        this.staging = target.resolveSibling("." + target.getFileName() + ".partial");
    }

    public static RoundOutput at(Path target) {
        return new RoundOutput(target);
    }

    /** The finished result in the target directory, if there is one that can be read. */
    public Optional<RoundResult> finishedResult() {
        Path file = target.resolve(RoundContract.RESULT_FILE);
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(RoundJson.readResult(Files.readString(file)));
        } catch (IOException e) {
            return Optional.empty(); // unreadable: treated as not finished, recomputed and replaced
        }
    }

    /** Creates an empty staging directory (removing one a killed attempt left) and returns it; call it holding the {@link RoundLock}. */
    public Path begin() throws IOException {
        deleteRecursively(staging);
        Files.createDirectories(staging);
        return staging;
    }

    /** The staging directory (valid after {@link #begin()}). */
    public Path staging() {
        return staging;
    }

    /** Writes result.json into the staging directory and renames it to the target, replacing any old one. */
    public void commit(RoundResult result) throws IOException {
        commit(RoundContract.RESULT_FILE, (RoundJson.write(result) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the record file (last, atomically) into the staging directory and renames it to the target, replacing any old one. */
    public void commit(String recordFile, byte[] record) throws IOException {
        AtomicWrite.write(staging.resolve(recordFile), record);
        if (Files.exists(target)) {
            // An old output with another spec hash (or none): move it aside first so the rename is atomic.
            Path old = target.resolveSibling("." + target.getFileName() + ".replaced");
            deleteRecursively(old);
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            moveIntoPlace();
            deleteRecursively(old);
        } else {
            moveIntoPlace();
        }
    }

    private void moveIntoPlace() throws IOException {
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + staging + " to " + target + " atomically", e);
        }
    }

    /** Removes the staging directory (after a failure). */
    public void abandon() {
        try {
            deleteRecursively(staging);
        } catch (IOException e) {
            // Best effort: the next attempt removes it in begin().
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
