package io.selfalign.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The files local mode writes in the workspace (its state folder, the uid file, the kubeconfig, the pod folders
 * and their logs) stay inside it: a symbolic link planted on the way (a link {@code .selfalign-local/x.uid ->
 * ~/.bashrc}) would have local mode create or overwrite a file elsewhere with the user's rights. So no component
 * from the workspace down to such a file may be a link, and the file itself is opened without following one. The
 * workspace folder itself may be a link: the user chose it.
 */
final class LocalFiles {
    private LocalFiles() {}

    /**
     * @throws FileSystemException naming the link and its target, when a component of {@code file} below
     *                             {@code workspace} is a symbolic link
     */
    static void requireNoLink(Path workspace, Path file) throws IOException {
        Path base = workspace.toAbsolutePath().normalize();
        Path target = file.toAbsolutePath().normalize();
        if (!target.startsWith(base)) {
            throw new FileSystemException(target.toString(), null, "outside the workspace " + base + "; local mode writes only inside it");
        }
        Path at = base;
        for (Path name : base.relativize(target)) {
            at = at.resolve(name);
            if (Files.isSymbolicLink(at)) {
                throw new FileSystemException(at.toString(), null, "a symbolic link (to " + Files.readSymbolicLink(at)
                        + "); local mode does not write through links in the workspace: remove it");
            }
        }
    }

    /** Creates {@code dir} and its parents inside the workspace, after {@link #requireNoLink}. */
    static Path createDirectories(Path workspace, Path dir) throws IOException {
        requireNoLink(workspace, dir);
        return Files.createDirectories(dir);
    }

    /** Writes {@code text} to {@code file} (created or replaced) inside the workspace, never through a link. */
    static void writeString(Path workspace, Path file, String text) throws IOException {
        requireNoLink(workspace, file);
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }
}
