package io.selfalign.trainer.metrics;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Prints {@link RoundProgress#line()} to a stream (stderr) every few seconds from a daemon thread. */
public final class ProgressPrinter implements AutoCloseable {
    private final ScheduledExecutorService timer;

    public ProgressPrinter(RoundProgress progress, PrintStream out, long periodSeconds) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "round-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> out.println(progress.line()), periodSeconds, periodSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
