package io.selfalign.trainer.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (stdout stays clean for piping). On a terminal it redraws one coloured line;
 * otherwise (a file, a pipe, a pod log) it writes a plain ASCII line every few seconds: no ANSI codes,
 * no carriage returns.
 */
final class Progress {
    /** Period of the plain lines: often enough to see progress in a log, rarely enough not to flood it. */
    static final int PLAIN_INTERVAL_MILLIS = 5_000;

    private Progress() {
    }

    static ProgressBar bar(String task, long total, String unit) {
        return bar(task, total, unit, System.err, stderrIsTerminal());
    }

    /**
     * Java 17 sees a console only when stdin and stdout are terminals and cannot ask about stderr, so
     * {@code 2> log} on a terminal would still get the coloured bar: on Linux, where /proc says what fd 2 is,
     * it must also be a terminal device.
     */
    static boolean stderrIsTerminal() {
        if (System.console() == null) return false;
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException noProc) {
            return true;
        }
    }

    static ProgressBar bar(String task, long total, String unit, PrintStream err, boolean terminal) {
        ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1).showSpeed();
        if (terminal) return builder.setConsumer(new ConsoleProgressBarConsumer(err)).build();
        return builder.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(PLAIN_INTERVAL_MILLIS)
                .setConsumer(new DelegatingProgressBarConsumer(err::println)).build();
    }
}
