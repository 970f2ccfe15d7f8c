package io.selfalign.local;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code selfalign}: the command line of the operator jar; today it has local mode. */
@Command(name = "selfalign", subcommands = LocalCommand.class, usageHelpWidth = 110,
        description = {"Selfalign: iterative self-annotated LLM alignment (SPA) as a Kubernetes AlignmentRun.",
                "On a cluster the operator runs as a Deployment (see the README); without one, 'local' runs the same",
                "operator on this machine."})
public final class LocalMain implements Runnable {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // The jars log through JBoss LogManager (as under Quarkus); it must own java.util.logging from the start.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@link #main} runs it. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new LocalMain());
        // A bad file or setting is one line naming it, not a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println("selfalign: " + e.getMessage());
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: try 'selfalign local --help'");
    }
}
