package io.selfalign.trainer.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicWriteTest {
    @TempDir
    Path dir;

    @Test
    void replacesTheTargetWholeAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("result.json");
        Files.writeString(target, "old");
        AtomicWrite.write(target, "new".getBytes(StandardCharsets.UTF_8));
        assertEquals("new", Files.readString(target));
        assertEquals(List.of(target), listing());
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndRemovesThePartialOne() throws IOException {
        Path target = dir.resolve("pairs.jsonl");
        Files.writeString(target, "complete\n");
        IOException failure = assertThrows(IOException.class, () -> AtomicWrite.write(target, tmp -> {
            Files.writeString(tmp, "half a li");
            throw new IOException("No space left on device");
        }));
        // The JDK's message names no file: the one that did not fit must be named.
        assertEquals(target + ": No space left on device", failure.getMessage());
        assertEquals("complete\n", Files.readString(target));
        assertEquals(List.of(target), listing());
    }

    @Test
    void theTemporaryNameKeepsTheExtension() throws IOException {
        Path target = dir.resolve("plot.png");
        AtomicWrite.write(target, tmp -> {
            assertEquals(".tmp-plot.png", tmp.getFileName().toString());
            Files.writeString(tmp, "png");
        });
        assertEquals("png", Files.readString(target));
    }

    private List<Path> listing() throws IOException {
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }
}
