package io.selfalign.trainer.cli;

import java.io.PrintStream;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Ends this process when the process that started it ends. Local mode starts trainers as its children;
 * when it is killed (even by {@code kill -9}, which runs none of its cleanup) its trainers would go on
 * writing a round that a restarted local mode starts again. The JDK notices the end of a process that is
 * not our child by polling (every 0.3 s, growing to 5 s at most), and it tells a reused pid from the parent
 * by its start time.
 */
final class ParentWatch {
    /** The exit code when the parent has gone: a runtime failure (nobody is left to read it). */
    static final int EXIT_PARENT_GONE = RoundCommand.EX_FAILURE;

    private ParentWatch() {}

    /** Calls {@code exit} once the parent process has ended; at once when it has ended already. */
    static void exitWhenParentEnds(PrintStream log, IntConsumer exit) {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        if (parent.isEmpty() || !parent.get().isAlive()) {
            log.println("round: the process that started this trainer has ended; exiting (--exit-with-parent)");
            exit.accept(EXIT_PARENT_GONE);
            return;
        }
        long pid = parent.get().pid();
        log.println("round: exiting when the process that started this trainer (pid " + pid + ") ends (--exit-with-parent)");
        parent.get().onExit().thenRun(() -> {
            log.println("round: the process that started this trainer (pid " + pid + ") has ended; exiting (--exit-with-parent)");
            exit.accept(EXIT_PARENT_GONE);
        });
    }
}
