package io.selfalign.trainer.runtime;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * PyTorch's intra-op thread count chosen for the shape of the work. A decode step is hundreds of small ops;
 * below ~4M multiply-adds per projection (batch × hidden²) OpenMP's hand-off between threads costs more
 * than the split saves (issue 14, 2 cores: the 3M config decoded at batch 32 at 3,790 tokens/s on 1 thread
 * and 3,247 on 2; the 25M config at batch 32, 8.4M multiply-adds, gained from the second thread: 884 vs 711).
 * Training and scoring steps are large matrix products and keep every thread the engine started with; a
 * generation's prefill runs with its decoding count (one short pass against dozens of steps).
 *
 * <p>Overrides: {@code -Dselfalign.decode-threads=N} fixes the decoding count; {@code -Dai.djl.pytorch.num_threads=N}
 * sets the engine's starting count, used by all other work and the most decoding chooses by itself (1 on a
 * machine shared with other jobs).
 */
public final class IntraOpThreads {
    public static final String PROPERTY = "selfalign.decode-threads";
    /** Multiply-adds of one projection of a decode step from which a second thread pays off. */
    static final long PARALLEL_DECODE_WORK = 1L << 22;

    private static final int ENGINE_DEFAULT = engineDefault();

    private IntraOpThreads() {
    }

    private static int engineDefault() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }

    /** Threads for decoding a batch of {@code batch} rows through projections of width {@code hidden}. */
    public static int forDecoding(int batch, int hidden) {
        Integer override = override();
        if (override != null) {
            return override;
        }
        return (long) batch * hidden * hidden >= PARALLEL_DECODE_WORK ? ENGINE_DEFAULT : 1;
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
