package io.selfalign.trainer.cli;

/** Draws a two-step progress bar the way the commands do; {@link ProgressTerminalTest} runs it under a terminal. */
final class ProgressProbe {
    public static void main(String[] args) {
        try (var bar = Progress.bar("probe", 2, "step")) {
            bar.step();
            bar.step();
        }
    }
}
