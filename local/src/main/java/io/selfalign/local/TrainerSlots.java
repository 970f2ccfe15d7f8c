package io.selfalign.local;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.OptionalLong;

/**
 * How many trainer processes local mode runs at once. On a cluster the scheduler keeps a node's pods within its
 * CPUs and memory; here every pod of a round (a sharded generate stage: one per shard) would otherwise start at
 * once, each a JVM with PyTorch, until the machine runs out of memory. The rest wait in a queue, first come first
 * started, and start as running ones end.
 */
final class TrainerSlots {
    /** A trainer's memory budget when the limit is derived from the machine: a small model's trainer JVM. */
    static final long BYTES_PER_TRAINER = 1L << 30;

    private record Waiting(String key, Runnable start) {}

    private final int limit;
    private final Deque<Waiting> queue = new ArrayDeque<>();
    private int running;

    TrainerSlots(int limit) {
        if (limit < 1) throw new IllegalArgumentException("at least one trainer must be able to run, got " + limit);
        this.limit = limit;
    }

    /** min(cores, available memory / {@link #BYTES_PER_TRAINER}), at least 1. */
    static int forThisMachine() {
        return limit(Runtime.getRuntime().availableProcessors(), availableMemory().orElse(Long.MAX_VALUE), BYTES_PER_TRAINER);
    }

    static int limit(int cores, long availableBytes, long bytesPerTrainer) {
        return (int) Math.max(1, Math.min(cores, availableBytes / bytesPerTrainer));
    }

    int limit() {
        return limit;
    }

    /**
     * Runs {@code start} now (on this thread) when fewer than {@link #limit} trainers run, else queues it.
     *
     * @return the number of trainers waiting before this one, or -1 when it started now
     */
    int startOrQueue(String key, Runnable start) {
        synchronized (this) {
            if (running >= limit) {
                queue.add(new Waiting(key, start));
                return queue.size() - 1;
            }
            running++;
        }
        start.run();
        return -1;
    }

    /** A trainer ended (or could not start): the first waiting one takes its place. */
    void release() {
        Waiting next;
        synchronized (this) {
            next = queue.poll();
            if (next == null) {
                running--;
                return;
            }
        }
        next.start().run();
    }

    /** Drops the waiting trainer {@code key}; false when none waits under that key (it runs, or never came). */
    synchronized boolean cancel(String key) {
        for (Iterator<Waiting> it = queue.iterator(); it.hasNext(); ) {
            if (it.next().key().equals(key)) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    /** Drops every waiting trainer (local mode stops). */
    synchronized void cancelAll() {
        queue.clear();
    }

    /** Linux's MemAvailable (what can be used without swapping), else the JVM's view of free physical memory. */
    private static OptionalLong availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // not Linux, or unreadable: ask the JVM
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return OptionalLong.of(os.getFreeMemorySize());
        }
        return OptionalLong.empty();
    }
}
