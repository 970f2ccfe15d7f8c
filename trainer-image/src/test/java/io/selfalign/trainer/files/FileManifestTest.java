package io.selfalign.trainer.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.selfalign.api.round.RoundResult.FileDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileManifestTest {
    private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir
    Path dir;

    @Test
    void listsEveryFileWithSizeAndDigestAndNamesTheFirstThatChanged() throws IOException {
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("model/weights.bin"), "abc");
        Files.writeString(dir.resolve("pairs.jsonl"), "");
        List<FileDigest> manifest = FileManifest.of(dir);
        assertEquals(List.of(new FileDigest("model/weights.bin", 3, SHA256_ABC),
                new FileDigest("pairs.jsonl", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")), manifest);
        assertEquals(Optional.empty(), FileManifest.firstMismatch(dir, manifest));

        Files.writeString(dir.resolve("model/weights.bin"), "abd");
        assertEquals(Optional.of("model/weights.bin: SHA-256 a52d159f262b…, the manifest says ba7816bf8f01…"), FileManifest.firstMismatch(dir, manifest));
        Files.writeString(dir.resolve("model/weights.bin"), "ab");
        assertEquals(Optional.of("model/weights.bin: 2 bytes, the manifest says 3"), FileManifest.firstMismatch(dir, manifest));
        Files.delete(dir.resolve("pairs.jsonl"));
        assertEquals(Optional.of("pairs.jsonl: missing"), FileManifest.firstMismatch(dir, manifest.subList(1, 2)));
    }
}
