package io.selfalign.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.Gpu;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.runtime.OpCounter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cached greedy decoding through the path a GPU takes (ROWS layout, plain head product, the FULL_CAUSAL attention
 * kernel for one new token per row) against transformers' greedy continuations. The path is the plan's choice, not the
 * device's, so a CPU runs it too: the first two tests run on every build, the last one only on a GPU.
 */
class GpuDecodeTest {

    /** The fixture's prompts and transformers' 12 greedy tokens after each. */
    private record Greedy(List<long[]> prompts, List<long[]> continuations) {
        static Greedy of(String fixture) throws IOException {
            List<long[]> prompts = new ArrayList<>();
            List<long[]> continuations = new ArrayList<>();
            for (JsonNode g : Fixtures.expected(fixture).get("greedy")) {
                prompts.add(Fixtures.longs(g.get("prompt_ids")));
                continuations.add(Fixtures.longs(g.get("output_ids")));
            }
            return new Greedy(prompts, continuations);
        }

        /** Each prompt alone (no padding), then all of them left-padded in one batch, both with the KV cache. */
        void assertDecodedBy(DecoderModel model, String what) {
            Generator g = new Generator(model, 0, Set.of()); // transformers ran with eos_token_id=None
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(continuations.get(i), g.generate(List.of(prompts.get(i)), SamplingParams.greedy(12, 1), 0).get(0),
                        what + ": prompt " + i + " alone");
            }
            List<long[]> batched = g.generate(prompts, SamplingParams.greedy(12, prompts.size()), 0);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(continuations.get(i), batched.get(i), what + ": prompt " + i + " left-padded in a batch");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void theGpuPlanOnTheCpuDecodesTransformersGreedyContinuations(String fixture) throws IOException {
        try (DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu())) {
            model.planAsOn(Device.gpu());
            Greedy.of(fixture).assertDecodedBy(model, fixture + ", a GPU's plan on the CPU");
        }
    }

    /**
     * On the fixture's small weights both plans use ROWS and the plain head product, so their decode steps differ only in
     * the attention kernel: SINGLE_QUERY's 10 ops (q reshaped, k and v unsqueezed, two products, two sums, bias, softmax,
     * weights unsqueezed) against FULL_CAUSAL's 6 (q reshaped, k transposed, two batched matmuls, bias, softmax) per layer.
     * The step is counted as a generation of three tokens minus one of two (prefill and one-time work cancel).
     */
    @Test
    void theGpuPlansDecodeStepDispatchesFourOpsFewerPerLayer() throws IOException {
        Greedy greedy = Greedy.of("tiny-llama");
        try (DecoderModel model = Checkpoint.load(Fixtures.dir("tiny-llama"), Device.cpu())) {
            long cpuPlan = decodeStepOps(model, greedy.prompts());
            model.planAsOn(Device.gpu());
            long gpuPlan = decodeStepOps(model, greedy.prompts());
            assertEquals(4L * model.config().numLayers(), cpuPlan - gpuPlan,
                    "ops per decode step: CPU plan " + cpuPlan + ", GPU plan " + gpuPlan);
        }
    }

    private static long decodeStepOps(DecoderModel model, List<long[]> prompts) {
        Generator g = new Generator(model, 0, Set.of());
        g.generate(prompts, SamplingParams.greedy(3, prompts.size()), 0); // weights transposed for inference once
        return OpCounter.count(() -> g.generate(prompts, SamplingParams.greedy(3, prompts.size()), 0)).total()
                - OpCounter.count(() -> g.generate(prompts, SamplingParams.greedy(2, prompts.size()), 0)).total();
    }

    /**
     * On a GPU in fp32 the tokens must be transformers' own: along these continuations the best logit leads the second by
     * at least 2.7e-3 (tiny-qwen2; 1.4e-2 tiny-llama, measured on the CPU), ≥ 11× what GPU and CPU logits may differ by
     * ({@code GpuLogitsTest}: 1e-4 of the largest logit, ≤ 2.8e-4) and ~1,000× the 1.7e-6 two fp32 summation orders
     * differ by here. Not in fp16, whose logits move by ~5e-3 (CPU, against fp32): such a lead could flip.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void cachedGreedyDecodingOnTheGpuEqualsTransformers(String fixture) throws IOException {
        Gpu.assumePresent();
        try (DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.gpu(), DataType.FLOAT32)) {
            Greedy.of(fixture).assertDecodedBy(model, fixture + " on " + model.device());
        }
    }
}
