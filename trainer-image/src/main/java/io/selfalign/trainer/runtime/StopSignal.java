package io.selfalign.trainer.runtime;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stop asked for by SIGTERM (Kubernetes deleting the pod), SIGINT, or {@code System.exit} from another thread.
 * The JVM's exit runs libtorch's exit handlers, and a thread still inside a native op (a backward pass) then died
 * with SIGSEGV and left an {@code hs_err_pid*.log}. So the shutdown hook only raises a flag and waits for the
 * command to end: training and decoding loops call {@link #check} between steps, which throws {@link Stopped}; the
 * command unwinds on its own thread (closing its arrays there, outside any op), reports, and calls
 * {@link #finished}; the hook returns and the JVM exits with 143 (128 + SIGTERM).
 */
public final class StopSignal {
    /** Kubernetes' default grace period is 30 s: give up waiting well before its SIGKILL. */
    private static final long WAIT_SECONDS = 20;
    private static volatile boolean requested;
    /** A loop has called {@link #check}: it will call it again at the end of its step. */
    private static volatile boolean stepping;
    private static final CountDownLatch FINISHED = new CountDownLatch(1);

    private StopSignal() {}

    /** Installs the shutdown hook; only the command-line entry point calls it. */
    public static void install(PrintStream log) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (FINISHED.getCount() == 0) return; // the command ended by itself
            requested = true;
            // Before the first step (reading inputs, a blocked open) there is no step end to wait for.
            if (!stepping) return;
            log.println("trainer: stop requested (SIGTERM or SIGINT); stopping at the end of the current step");
            try {
                if (!FINISHED.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    log.println("trainer: the current step did not end within " + WAIT_SECONDS + " s; exiting anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stop-signal"));
    }

    /** The command has returned: no native work is left, the JVM may exit. */
    public static void finished() {
        FINISHED.countDown();
    }

    /** Between two steps: throws {@link Stopped} once a stop was asked for. */
    public static void check(String during) {
        stepping = true;
        if (requested) throw new Stopped(during);
    }

    /** Exit code of a stopped command, as the shell and Kubernetes report a SIGTERM. */
    public static final int EXIT_CODE = 143;

    /** Thrown between steps after a stop request; commands report it in one line and exit with {@link #EXIT_CODE}. */
    public static final class Stopped extends RuntimeException {
        Stopped(String during) {
            super("stopped by a signal during " + during, null, false, false);
        }
    }
}
