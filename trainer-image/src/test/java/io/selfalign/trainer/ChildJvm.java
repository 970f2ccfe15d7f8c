package io.selfalign.trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A Java command line that runs a class of this test classpath in a separate process, for faults that need two processes. */
public final class ChildJvm {
    private ChildJvm() {}

    public static List<String> command(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
