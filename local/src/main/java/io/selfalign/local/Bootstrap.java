package io.selfalign.local;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Local mode's {@code selfalign.io/bootstrap: keysort}: when the run's model is missing, the KeySort task is
 * prepared into a folder of its own, and only the files the workspace does not have yet move into it. The
 * workspace is the user's: an existing file (a hand-made {@code seed.jsonl}, a model) is never overwritten.
 */
final class Bootstrap {
    private final Function<Path, List<String>> prepare;
    private final PrintStream out;

    /**
     * @param prepare the command that writes the KeySort workspace into the folder it is given
     * @param out     where the bootstrap says what it does
     */
    Bootstrap(Function<Path, List<String>> prepare, PrintStream out) {
        this.prepare = prepare;
        this.out = out;
    }

    /**
     * Makes {@code modelPath} (relative to the workspace) exist, preparing in {@code staging} (local mode's own
     * folder, emptied first).
     *
     * @throws IllegalArgumentException the bootstrap does not create {@code modelPath} (a typo in the run)
     */
    void ensureModel(Path workspace, String modelPath, Path staging) throws IOException, InterruptedException {
        Path model = workspace.resolve(modelPath);
        if (Files.exists(model)) return;
        deleteTree(staging);
        Files.createDirectories(staging);
        List<String> command = prepare.apply(staging);
        out.println("Bootstrap: " + modelPath + " is missing; preparing the KeySort task: " + String.join(" ", command));
        Process process = new ProcessBuilder(command).inheritIO().start();
        // Ctrl-C during the bootstrap stops the preparer too; it would otherwise go on training in the background.
        Thread stop = new Thread(process::destroy);
        Runtime.getRuntime().addShutdownHook(stop);
        int exit;
        try {
            exit = process.waitFor();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: nothing to remove
            }
        }
        if (exit != 0) throw new IllegalStateException("keysort prepare failed with exit code " + exit);
        List<String> kept = moveMissing(staging, workspace);
        deleteTree(staging);
        if (!kept.isEmpty()) out.println("Bootstrap: kept the workspace's own " + String.join(", ", kept));
        if (!Files.exists(model)) {
            throw new IllegalArgumentException("spec.model.path: " + modelPath + " is missing, and the KeySort bootstrap "
                    + "(" + LocalCommand.BOOTSTRAP_ANNOTATION + ") does not create it; it creates models/keysort-sft");
        }
    }

    /** Moves every file of {@code from} that {@code to} lacks; returns the relative paths left as they were. */
    private static List<String> moveMissing(Path from, Path to) throws IOException {
        List<String> kept = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(from)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            Path rel = from.relativize(f);
            Path target = to.resolve(rel.toString());
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                kept.add(rel.toString());
                continue;
            }
            Files.createDirectories(target.getParent());
            // Neither REPLACE_EXISTING nor ATOMIC_MOVE (rename(2) replaces silently): a file that appeared meanwhile
            // still wins, as a FileAlreadyExistsException.
            Files.move(f, target);
        }
        return kept;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
