package io.selfalign.trainer.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Groups the benchmarks; each is a subcommand ({@code bench model}, ...). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks, measured side by side in one run.",
        subcommands = {BenchModelCommand.class, BenchTrainCommand.class, BenchRoundCommand.class, BenchLoadCommand.class,
                BenchCheckpointCommand.class, BenchPeerCommand.class, AlignmentBenchCommand.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing benchmark name");
    }
}
