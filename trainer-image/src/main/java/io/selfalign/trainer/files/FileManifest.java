package io.selfalign.trainer.files;

import io.selfalign.api.round.RoundResult.FileDigest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Sizes and SHA-256 digests of the files under a directory, and the check that they are still what they were. */
public final class FileManifest {
    private static final int BUFFER = 1 << 20;

    private FileManifest() {}

    /** Every regular file under {@code dir}, by '/'-separated relative path, in path order. */
    public static List<FileDigest> of(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        List<FileDigest> digests = new java.util.ArrayList<>(files.size());
        for (Path f : files) {
            digests.add(new FileDigest(relative(dir, f), Files.size(f), sha256(f)));
        }
        return digests;
    }

    /**
     * The first entry whose file under {@code dir} is missing, has another size or another SHA-256, as
     * {@code <relative path>: <what differs>}; empty when all match. Sizes are compared first, for every
     * entry, so a truncated file is found without reading the others.
     */
    public static Optional<String> firstMismatch(Path dir, List<FileDigest> entries) throws IOException {
        for (FileDigest e : entries) {
            Path f = dir.resolve(e.path());
            if (!Files.isRegularFile(f)) return Optional.of(e.path() + ": missing");
            long size = Files.size(f);
            if (size != e.size()) return Optional.of(e.path() + ": " + size + " bytes, the manifest says " + e.size());
        }
        for (FileDigest e : entries) {
            String actual = sha256(dir.resolve(e.path()));
            if (!actual.equals(e.sha256())) {
                return Optional.of(e.path() + ": SHA-256 " + actual.substring(0, 12) + "…, the manifest says " + abbreviated(e.sha256()) + "…");
            }
        }
        return Optional.empty();
    }

    /** Lower-case hex SHA-256 of a file's content. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String abbreviated(String hex) {
        return hex == null ? "null" : hex.substring(0, Math.min(12, hex.length()));
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }
}
