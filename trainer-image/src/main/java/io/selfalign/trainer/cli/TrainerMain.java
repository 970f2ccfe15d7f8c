package io.selfalign.trainer.cli;

import io.selfalign.api.round.RoundContract;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.runtime.NativeHeap;
import io.selfalign.trainer.runtime.StopSignal;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * Entry point of {@code selfalign-trainer.jar}: only dispatches to subcommands. Every subcommand reports bad
 * input (an {@link InputException}, an {@link IllegalArgumentException} such as a checkpoint error, or a bad
 * flag) as one line on stderr and exit code {@value RoundContract#EXIT_INVALID_INPUT}, which the operator never retries.
 */
@Command(name = "selfalign-trainer", mixinStandardHelpOptions = true, versionProvider = TrainerMain.Version.class,
        description = "Selfalign trainer: runs Llama-family Hugging Face checkpoints on DJL/PyTorch.",
        subcommands = {GenerateCommand.class, ScoreCommand.class, RoundCommand.class, BenchCommand.class,
                KeySortCommand.class, CommandLine.HelpCommand.class})
public final class TrainerMain {
    public static void main(String[] args) {
        // Everything DJL needs ships in lib/; never let it try the network (set before the engine loads).
        setDefault("ai.djl.offline", "true");
        // stderr carries the progress bar and, on bad input, one error line: keep engine chatter out of it.
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setDefault("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        // Tensors of a pass are freed and allocated again at the same sizes: keep them in the heap (before the first one).
        NativeHeap.reuseFreedMemory(System.getenv());
        StopSignal.install(System.err);
        int code = commandLine().execute(args);
        StopSignal.finished();
        System.exit(code);
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** The configured command line (tests call {@code execute} on it). */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new TrainerMain());
        // Wide enough for the descriptions' own line breaks (picocli's 80 columns rewrapped them mid-sentence).
        cmd.setUsageHelpWidth(110);
        cmd.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof StopSignal.Stopped) {
                line.getErr().println(line.getCommandName() + ": " + e.getMessage() + "; nothing half-written is kept");
                return StopSignal.EXIT_CODE;
            }
            if (e instanceof InputException || e instanceof IllegalArgumentException) {
                line.getErr().println("error: " + e.getMessage());
                return RoundContract.EXIT_INVALID_INPUT;
            }
            throw e;
        });
        cmd.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("error: " + e.getMessage()
                    + " (see: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return RoundContract.EXIT_INVALID_INPUT;
        });
        return cmd;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TrainerMain.class.getPackage().getImplementationVersion();
            return new String[] {"selfalign-trainer " + (v == null ? "dev" : v)};
        }
    }
}
