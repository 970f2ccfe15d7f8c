package io.selfalign.trainer.cli;

import java.io.PrintStream;
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
        // Java sees a console only when stdin and stdout are terminals; stderr alone cannot be asked.
        return bar(task, total, unit, System.err, System.console() != null);
    }

    static ProgressBar bar(String task, long total, String unit, PrintStream err, boolean terminal) {
        ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1).showSpeed();
        if (terminal) return builder.setConsumer(new ConsoleProgressBarConsumer(err)).build();
        return builder.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(PLAIN_INTERVAL_MILLIS)
                .setConsumer(new DelegatingProgressBarConsumer(err::println)).build();
    }
}
