package io.selfalign.trainer;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Assumptions;

/**
 * The gate of the GPU suite ({@code Gpu*Test}): a test that needs a CUDA device skips, saying why, where the PyTorch
 * engine sees none — on every CPU build, where the natives are {@code pytorch-native-cpu}. How to run the suite on a
 * GPU machine: docs/performance.md, "The GPU suite".
 */
public final class Gpu {
    private Gpu() {
    }

    public static boolean present() {
        return Engine.getInstance().getGpuCount() > 0;
    }

    /** Skips the calling test (or, from a {@code @BeforeAll}, its class) unless a GPU is visible. */
    public static void assumePresent() {
        Assumptions.assumeTrue(present(), "no GPU visible to the PyTorch engine (CPU natives or no CUDA device): "
                + "this GPU test is skipped; docs/performance.md#the-gpu-suite tells how to run it on a GPU machine");
    }
}
