package io.selfalign.trainer.runtime;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.util.Map;

/**
 * How the process's C heap (glibc's malloc, where PyTorch's CPU tensors live) treats freed memory.
 *
 * <p>By default glibc gives every block above its mmap threshold (which grows to at most 32 MiB) a mapping of its own
 * and unmaps it on free, and returns the heap's free top to the OS: a forward pass allocates and frees hundreds of
 * activations of the same few sizes, each new one zero-filled by the kernel a page at a time. Scoring the 25M bench
 * model spent a tenth of its CPU time in those page faults. {@link #reuseFreedMemory(Map)} makes glibc keep freed
 * memory for the next tensor instead (scoring at 25M 12–16% faster, its peak RSS 27–32% higher: docs/performance.md,
 * "Keeping freed memory for reuse"); scoring and loading hand it back with {@link #trim()} when they end, so their
 * peak does not stay resident under the next phase.
 */
public final class NativeHeap {
    // mallopt parameters, malloc.h.
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_MMAP_MAX = -4;
    /** Environment variables by which a user sets glibc's malloc policy themselves; theirs then wins. */
    private static final String[] USER_POLICY = {"MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_"};

    /** Null where the C library has no such function (musl, macOS): there is nothing to do then. */
    private static final Function MALLOC_TRIM = lookUp("malloc_trim");
    private static final Function MALLOPT = lookUp("mallopt");

    private NativeHeap() {
    }

    /** Returns free heap memory to the OS; true when some was returned. */
    public static boolean trim() {
        return MALLOC_TRIM != null && MALLOC_TRIM.invokeInt(new Object[] {0}) == 1;
    }

    /** Whether this platform's C library can trim at all. */
    public static boolean supported() {
        return MALLOC_TRIM != null;
    }

    /**
     * From now on, freed blocks stay in the heap for reuse until {@link #trim()}: no block is mapped on its own (beyond
     * what a thread's 64 MiB heap can hold, glibc still maps) and a free heap top is not returned on each free. Call once,
     * before the first tensor. Does nothing where the C library has no mallopt, or when the environment already sets
     * glibc's malloc policy ({@code MALLOC_*_} variables, {@code GLIBC_TUNABLES} with malloc settings).
     *
     * @return whether the policy is now in effect
     */
    public static boolean reuseFreedMemory(Map<String, String> environment) {
        if (MALLOPT == null || userPolicy(environment)) {
            return false;
        }
        return MALLOPT.invokeInt(new Object[] {M_MMAP_MAX, 0}) == 1
                && MALLOPT.invokeInt(new Object[] {M_TRIM_THRESHOLD, Integer.MAX_VALUE}) == 1;
    }

    static boolean userPolicy(Map<String, String> environment) {
        for (String name : USER_POLICY) {
            if (environment.containsKey(name)) return true;
        }
        return environment.getOrDefault("GLIBC_TUNABLES", "").contains("glibc.malloc.");
    }

    private static Function lookUp(String name) {
        try {
            return NativeLibrary.getInstance("c").getFunction(name);
        } catch (LinkageError e) {
            // No such symbol, or JNA's own native part cannot load: this only tunes memory, never fail for it.
            return null;
        }
    }
}
