package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A loaded checkpoint's file pages do not stay resident beside its weights (the reader unmaps what it copied). */
class CheckpointResidencyTest {
    @TempDir
    Path dir;

    @Test
    void loadingLeavesNoMappedCheckpointPagesResident() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/status")), "Linux only");
        // 74 MiB of F32 weights, most of them one embedding (read in one piece) and the rest in small tensors.
        ModelConfig c = ModelConfig.builder().vocabSize(32000).hiddenSize(512).intermediateSize(1408).layers(1).heads(8)
                .maxPositions(64).tieWordEmbeddings(true).build();
        try (DecoderModel m = DecoderModel.random(c, Device.cpu(), 0)) {
            Checkpoint.save(m, dir);
        }
        long bytes = Files.size(dir.resolve("model.safetensors")) >> 20;
        assertTrue(bytes >= 64, bytes + " MiB");
        long before = fileBackedMiB();
        try (DecoderModel loaded = Checkpoint.load(dir, Device.cpu())) {
            long grown = fileBackedMiB() - before;
            // Without unmapping, every page just read stays mapped and resident until some GC (+75 MiB here).
            assertTrue(grown < 16, "file-backed resident memory grew by " + grown + " MiB loading " + bytes + " MiB");
            assertEquals(c.vocabSize(), loaded.parameters().get(ParameterLayout.EMBED_TOKENS).getShape().get(0));
        }
    }

    /** RssFile: resident pages of mapped files (the JVM's own jars and libraries included). */
    private static long fileBackedMiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssFile:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        throw new IllegalStateException("no RssFile");
    }
}
