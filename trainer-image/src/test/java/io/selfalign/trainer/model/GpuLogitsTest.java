package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.Gpu;
import java.io.IOException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits of the fixtures' right-padded batch computed on a GPU against the same model's fp32 logits on the CPU (which
 * {@link DecoderModelFixtureTest} holds to transformers' within 1e-4). Bounds are relative to the largest logit (2.4–2.8
 * here), and apply to every entry:
 * <ul>
 *   <li>fp32: 1e-4. Both devices compute in fp32 (ε = 6e-8) and differ only in summation order: this runtime and transformers,
 *   two summation orders of the same fp32 math, differ by ≤ 1.7e-6 on these fixtures. TF32 products (10-bit mantissa, 1e-3 relative
 *   error) would break the bound, as they should: PyTorch keeps them off for fp32 matmuls unless asked.</li>
 *   <li>fp16: 1% — about six times the error of the CPU's own fp16 path here (0.16–0.17% of the largest logit against
 *   fp32), the rounding of every activation to 11 bits; the GPU's fp16 products accumulate in fp32 like the CPU's, so a
 *   correct GPU path lands near the CPU's error, and a lost accumulation or a wrong cast far outside.</li>
 * </ul>
 */
class GpuLogitsTest {

    @BeforeEach
    void needsAGpu() { // per test, so that each is reported as skipped, with the reason
        Gpu.assumePresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void fp32LogitsOnTheGpuMatchTheCpusWithin1e4(String fixture) throws IOException {
        assertGpuMatchesCpu(fixture, DataType.FLOAT32, 1e-4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void fp16LogitsOnTheGpuMatchTheCpusFp32Within1Percent(String fixture) throws IOException {
        assertGpuMatchesCpu(fixture, DataType.FLOAT16, 1e-2);
    }

    private static void assertGpuMatchesCpu(String fixture, DataType gpuType, double relativeBound) throws IOException {
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu());
             NDManager gpu = NDManager.newBaseManager(Device.gpu());
             DecoderModel onCpu = Checkpoint.load(Fixtures.dir(fixture), Device.cpu(), DataType.FLOAT32);
             DecoderModel onGpu = Checkpoint.load(Fixtures.dir(fixture), Device.gpu(), gpuType)) {
            NDList inCpu = Fixtures.expectedTensors(fixture, cpu);
            NDList inGpu = Fixtures.expectedTensors(fixture, gpu);
            NDArray want = onCpu.forward(inCpu.get("input_ids"), inCpu.get("attention_mask"));
            NDArray got = onGpu.forward(inGpu.get("input_ids"), inGpu.get("attention_mask"));
            assertEquals(Device.gpu(), got.getDevice(), "computed on the GPU");
            assertEquals(gpuType, got.getDataType());
            float[] w = want.toFloatArray();
            float[] g = got.toType(DataType.FLOAT32, false).toDevice(Device.cpu(), false).toFloatArray();
            assertEquals(w.length, g.length);
            double scale = 0;
            double maxDiff = 0;
            for (int i = 0; i < w.length; i++) {
                scale = Math.max(scale, Math.abs(w[i]));
                maxDiff = Math.max(maxDiff, Math.abs(w[i] - g[i])); // NaN fails the bound below: max(x, NaN) is NaN
            }
            assertTrue(scale > 0.1, "the fixture's logits are not all ~0: " + scale);
            assertTrue(maxDiff <= relativeBound * scale, fixture + " on the GPU in " + gpuType + ": max |Δ logit| = " + maxDiff
                    + " against the CPU's fp32, bound " + relativeBound + " × " + scale);
        }
    }
}
