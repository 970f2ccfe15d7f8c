package io.selfalign.trainer.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What NativeHeap is for: tensors freed inside glibc's heap stay resident until trimmed. */
class NativeHeapTest {
    private static final long MIB = 1 << 20;

    @Test
    void trimReturnsTensorsFreedInsideTheHeap() throws Exception {
        assumeTrue(NativeHeap.supported(), "not glibc");
        assumeTrue(System.getenv("MALLOC_MMAP_THRESHOLD_") == null && System.getenv("MALLOC_TRIM_THRESHOLD_") == null,
                "glibc's thresholds are fixed by the environment");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // Freeing an 8 MiB block (mapped on its own) makes glibc serve smaller blocks from its heap from now on.
            m.ones(new Shape(2 * MIB), DataType.FLOAT32).close();
            List<NDArray> blocks = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                blocks.add(m.ones(new Shape(MIB / 4), DataType.FLOAT32)); // 1 MiB, written
            }
            // Keep the last block so that the freed ones are a hole inside the heap, not its top.
            blocks.subList(0, 63).forEach(NDArray::close);
            long before = rssMiB();
            assertTrue(NativeHeap.trim(), "nothing returned");
            long after = rssMiB();
            // 63 MiB were freed; allow for other threads' allocations in between.
            assertTrue(before - after >= 32, "resident " + before + " -> " + after + " MiB");
        }
    }

    private static long rssMiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
