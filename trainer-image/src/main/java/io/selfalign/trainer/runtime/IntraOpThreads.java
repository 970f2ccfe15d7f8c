package io.selfalign.trainer.runtime;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * PyTorch's intra-op thread count chosen for the shape of the work. A decode step is hundreds of small ops
 * plus a few matrix products; when the whole step is small, OpenMP's hand-off between threads costs about
 * what the split saves, so a step of fewer than {@link #PARALLEL_DECODE_WORK} multiply-adds decodes on one
 * thread, a larger one on all (measurements: docs/performance.md#decode-threads-intraopthreads). Training and
 * scoring steps are large matrix products and keep every thread the engine started with; a generation's prefill
 * runs with its decoding count (one short pass against dozens of steps).
 *
 * <p>Overrides: {@code -Dselfalign.decode-threads=N} fixes the decoding count; {@code -Dai.djl.pytorch.num_threads=N}
 * sets the engine's starting count, used by all other work and the most decoding chooses by itself (1 on a
 * machine shared with other jobs).
 */
public final class IntraOpThreads {
    public static final String PROPERTY = "selfalign.decode-threads";
    /** Multiply-adds of one decode step (batch × weights a token passes through) from which threads pay off. */
    static final long PARALLEL_DECODE_WORK = 1L << 28;

    private static final int ENGINE_DEFAULT = engineDefault();

    private IntraOpThreads() {
    }

    private static int engineDefault() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }

    /**
     * Threads for decoding a batch of {@code batch} rows with a model of {@code parameters} weights (each one
     * multiply-add per token; an untied input embedding, a lookup, is counted too, a slight overestimate).
     */
    public static int forDecoding(int batch, long parameters) {
        Integer override = override();
        if (override != null) {
            return override;
        }
        return batch * parameters >= PARALLEL_DECODE_WORK ? ENGINE_DEFAULT : 1;
    }

    /** Runs {@code work} with {@code threads} intra-op threads, then restores the previous count. */
    public static <T> T with(int threads, Supplier<T> work) {
        int previous = JniUtils.getNumThreads();
        if (previous == threads) {
            return work.get();
        }
        JniUtils.setNumThreads(threads);
        try {
            return work.get();
        } finally {
            JniUtils.setNumThreads(previous);
        }
    }

    private static Integer override() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + PROPERTY + " must be a positive integer, got '" + value + "'");
    }
}
