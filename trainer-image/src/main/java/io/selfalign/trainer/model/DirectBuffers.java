package io.selfalign.trainer.model;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import sun.misc.Unsafe;

/**
 * Frees a direct or memory-mapped buffer now instead of when a GC collects it. A checkpoint load allocates
 * little on the Java heap, so no GC may come for the rest of the process, and until then every page of a
 * mapped checkpoint that was read stays resident and counts in the process's RSS (the whole checkpoint
 * once more beside its weights).
 */
final class DirectBuffers {
    private static final Unsafe UNSAFE = unsafe();

    private DirectBuffers() {
    }

    /** Unmaps or frees {@code buffer}; it must not be used afterwards, nor be a slice or duplicate of another. */
    static void release(ByteBuffer buffer) {
        if (buffer.isDirect()) {
            UNSAFE.invokeCleaner(buffer);
        }
    }

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Unsafe is not accessible (module jdk.unsupported)", e);
        }
    }
}
