package io.selfalign.trainer.runtime;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * Hands native memory that PyTorch has freed back to the operating system (glibc's {@code malloc_trim}).
 * glibc keeps freed blocks for reuse, and once a tensor of a few MB has been freed it serves every
 * allocation up to that size from its heaps instead of fresh mappings; a forward pass frees hundreds of
 * such activations in an interleaved order, so the heaps fragment and the process keeps (and adds to) the
 * peak of every pass: scoring a 25M model with a 32k vocabulary held ~280 MB more after four batches than
 * while it computed them. Trimming between passes costs a few ms of page faults when the memory is used
 * again. The environment-variable alternative ({@code MALLOC_TRIM_THRESHOLD_}, {@code MALLOC_MMAP_THRESHOLD_})
 * would act on every allocation and cost training a third more CPU time in page faults.
 */
public final class NativeHeap {
    /** Null where the C library has no malloc_trim (musl, macOS): there is nothing to do then. */
    private static final Function MALLOC_TRIM = lookUp();

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

    private static Function lookUp() {
        try {
            return NativeLibrary.getInstance("c").getFunction("malloc_trim");
        } catch (LinkageError e) {
            // No such symbol, or JNA's own native part cannot load: trimming only saves memory, never fail for it.
            return null;
        }
    }
}
