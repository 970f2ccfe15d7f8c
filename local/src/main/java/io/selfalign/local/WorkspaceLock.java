package io.selfalign.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One local mode per workspace: a second one would overwrite the first's kubeconfig and pod folders. The lock is
 * an OS file lock on {@value #FILE} in the workspace's state folder, held as long as local mode runs; the OS
 * releases it when the process ends however it ends, so a lock file left by a killed local mode is simply taken
 * over. The file names the holder's pid for the message a second local mode prints.
 */
final class WorkspaceLock implements AutoCloseable {
    static final String FILE = "local.lock";

    /** The workspace is in use: the message names the lock file and the pid of the local mode that holds it. */
    static final class Held extends Exception {
        Held(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final FileLock lock;
    private final OptionalLong previousPid;

    private WorkspaceLock(FileChannel channel, FileLock lock, OptionalLong previousPid) {
        this.channel = channel;
        this.lock = lock;
        this.previousPid = previousPid;
    }

    /**
     * Takes the lock of the workspace whose state folder is {@code state} (which must exist).
     *
     * @throws Held when another local mode holds it
     */
    static WorkspaceLock acquire(Path state) throws IOException, Held {
        Path file = state.resolve(FILE);
        // Not through a symbolic link: the lock file is written, and must stay inside the workspace.
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        try {
            OptionalLong recorded = pidIn(channel);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new Held("the workspace " + state.getParent() + " is in use by another local mode ("
                        + (recorded.isPresent() ? "pid " + recorded.getAsLong() : "pid unknown") + ", lock " + file
                        + "); wait for it to end, stop it, or give this run another --workspace");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new WorkspaceLock(channel, lock, recorded);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The pid of a local mode that held the lock and ended without releasing it (killed), when the file named one. */
    Optional<String> takenOver() {
        if (previousPid.isEmpty() || previousPid.getAsLong() == ProcessHandle.current().pid()) return Optional.empty();
        return Optional.of("pid " + previousPid.getAsLong());
    }

    private static OptionalLong pidIn(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        try {
            return OptionalLong.of(Long.parseLong(new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Empties the file (a pid left in it means its local mode was killed) and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            channel.truncate(0);
        } finally {
            lock.release();
            channel.close();
        }
    }
}
