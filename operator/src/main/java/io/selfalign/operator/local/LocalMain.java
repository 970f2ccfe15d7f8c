package io.selfalign.operator.local;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code selfalign}: the command line of the operator jar; today it has local mode. */
@Command(name = "selfalign", mixinStandardHelpOptions = true, subcommands = LocalCommand.class,
        description = {"Selfalign: iterative self-annotated LLM alignment (SPA) as a Kubernetes AlignmentRun.",
                "On a cluster the operator runs as a Deployment (see the README); without one, 'local' runs the same",
                "operator on this machine."})
public final class LocalMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // The jars log through JBoss LogManager (as under Quarkus); it must own java.util.logging from the start.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        System.exit(new CommandLine(new LocalMain()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: try 'selfalign local --help'");
    }
}
