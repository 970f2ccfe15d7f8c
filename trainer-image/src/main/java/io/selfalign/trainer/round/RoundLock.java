package io.selfalign.trainer.round;

import io.selfalign.trainer.files.WorkspacePath;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive right to write one round's outputs: an OS file lock on {@code .iter-<k>.lock} beside
 * the output directory. The OS releases it when its holder dies (even by {@code kill -9}), so a stale
 * lock cannot block a run, while a live trainer (a local mode left running, a second pod of one Job)
 * keeps every other trainer of that round away from its staging directory. The lock file itself stays:
 * deleting it would let a third trainer lock a new file while the second still holds the old one.
 */
final class RoundLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RoundLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file of the round whose outputs go to {@code outputDir}. */
    static Path fileFor(Path outputDir) {
        return outputDir.resolveSibling("." + outputDir.getFileName() + ".lock");
    }

    /**
     * Takes the round's lock without waiting.
     *
     * @param round names the round in the refusal ({@code round 2 of team/demo})
     * @throws RoundBusyException another trainer (another process, or another runner in this one) holds it
     */
    static RoundLock acquire(Path outputDir, String round) throws IOException {
        Path file = fileFor(outputDir);
        Files.createDirectories(file.getParent());
        FileChannel channel = FileChannel.open(WorkspacePath.check(file), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM (an in-process caller running the same round twice)
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new RoundBusyException("another trainer holds " + round + " (lock " + file
                    + "); this attempt leaves its outputs alone and exits to be retried once that trainer has ended");
        }
        return new RoundLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
