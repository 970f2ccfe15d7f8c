package io.selfalign.trainer.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.NativeLibrary;
import io.selfalign.trainer.ChildJvm;
import com.sun.jna.Structure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What NativeHeap is for: tensors freed inside glibc's heap stay resident until trimmed, and under the reuse policy a
 * large tensor comes from the heap, where its memory serves the next one of its size, instead of a mapping of its own.
 */
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

    @Test
    void underTheReusePolicyALargeTensorComesFromTheHeapNotAMappingOfItsOwn() throws Exception {
        assumeTrue(NativeHeap.supported(), "not glibc");
        assumeFalse(NativeHeap.userPolicy(System.getenv()), "glibc's malloc policy is set by the environment");
        // Fresh processes: in this one, earlier tests have left free holes in the heap that a tensor could come from either way.
        long byDefault = mappedMiBForA40MiBTensor("default");
        long reusing = mappedMiBForA40MiBTensor("reuse");
        assertTrue(byDefault >= 40, "by default a 40 MiB tensor is mapped on its own (so unmapped when freed), got " + byDefault + " MiB");
        assertTrue(reusing < 8, "under the reuse policy " + reusing + " MiB more were mapped on their own");
    }

    /** Run in a child JVM: allocates a 40 MiB tensor and prints how much more glibc mapped for blocks of their own. */
    public static void main(String[] args) {
        if (args[0].equals("reuse") && !NativeHeap.reuseFreedMemory(Map.of())) throw new IllegalStateException("mallopt refused");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.zeros(new Shape(1)); // the engine loads before the measurement
            long mapped = MallInfo2.now().hblkhd;
            // 40 MiB: above glibc's largest mmap threshold, so by default a mapping of its own, unmapped when freed and
            // faulted in page by page for the next tensor of its size.
            NDArray big = m.ones(new Shape(10 * MIB), DataType.FLOAT32);
            System.out.println((MallInfo2.now().hblkhd - mapped) / MIB);
            big.close();
        }
    }

    private static long mappedMiBForA40MiBTensor(String policy) throws Exception {
        List<String> command = new ArrayList<>(ChildJvm.command(NativeHeapTest.class, policy));
        command.add(1, "-Dai.djl.offline=true");
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS) && child.exitValue() == 0, "probe (" + policy + ") failed: " + out);
        return Long.parseLong(out.lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void aMallocPolicyInTheEnvironmentWins() {
        assertTrue(NativeHeap.userPolicy(Map.of("MALLOC_TRIM_THRESHOLD_", "131072")));
        assertTrue(NativeHeap.userPolicy(Map.of("GLIBC_TUNABLES", "glibc.malloc.mmap_max=0")));
        assertFalse(NativeHeap.userPolicy(Map.of("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX512F", "MALLOC_ARENA_MAX_X", "1")));
        assertFalse(NativeHeap.reuseFreedMemory(Map.of("MALLOC_MMAP_MAX_", "65536")));
    }

    /** glibc's {@code struct mallinfo2}: {@code hblkhd} is the bytes of blocks that have a mapping of their own. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"})
    public static final class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;

        static MallInfo2 now() {
            return (MallInfo2) NativeLibrary.getInstance("c").getFunction("mallinfo2").invoke(MallInfo2.class, new Object[0]);
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
