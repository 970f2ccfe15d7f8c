package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * At inference on a CPU, a few rows against large weights are multiplied weight first: the head as (W·xᵀ)ᵀ when
 * choosing next tokens (InferencePlan#headFirst), and a whole decode step in the COLUMNS layout, W·x in every
 * layer (InferencePlan#layout). A cached decode step takes those paths; the full forward of the same sequences
 * (rows × length tokens, above every bound) takes the plain x·Wᵀ in ROWS. Their last-position logits must agree
 * to float rounding.
 */
class WeightFirstProductTest {
    private static final int LENGTH = 40;

    static Stream<Arguments> models() {
        ModelConfig largeHead = ModelConfig.builder().vocabSize(17_000).hiddenSize(64).intermediateSize(128)
                .layers(2).heads(4).maxPositions(64).tieWordEmbeddings(true).build();
        return Stream.of(
                Arguments.of("head first (17,000 × 64 head), 8 rows", largeHead, 8, DataType.FLOAT32, 1e-5),
                Arguments.of("COLUMNS, Llama, 16 rows", largeMlp(4096).build(), 16, DataType.FLOAT32, 1e-5),
                Arguments.of("COLUMNS, Qwen2 (q/k/v biases, 2 kv heads), 32 rows",
                        largeMlp(4096).architecture(Architecture.QWEN2).kvHeads(2).qkvBias(true).build(), 32, DataType.FLOAT32, 1e-5),
                // fp16 sums of 128–8192 products: ~1e-3 of the logits' scale apart between two summation orders.
                Arguments.of("COLUMNS, Llama, fp16, 16 rows", largeMlp(8192).build(), 16, DataType.FLOAT16, 5e-3));
    }

    /** A gate/up weight of 2·ffn × 128: 4 MiB, the bound of the COLUMNS layout, at 4096 floats or 8192 halves. */
    private static ModelConfig.Builder largeMlp(int ffn) {
        return ModelConfig.builder().vocabSize(300).hiddenSize(128).intermediateSize(ffn).layers(2).heads(4).maxPositions(64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void aCachedDecodeStepEqualsTheFullForward(String name, ModelConfig config, int rows, DataType dtype, double tolerance) {
        long layerWeightBytes = 2L * config.intermediateSize() * config.hiddenSize() * dtype.getNumOfBytes();
        long headBytes = (long) config.vocabSize() * config.hiddenSize() * dtype.getNumOfBytes();
        assertTrue(headBytes >= InferencePlan.WEIGHT_FIRST_MIN_BYTES && rows >= InferencePlan.HEAD_FIRST_MIN_ROWS
                || layerWeightBytes >= InferencePlan.WEIGHT_FIRST_MIN_BYTES && rows >= InferencePlan.COLUMNS_MIN_ROWS,
                "the decode step takes a weight-first path");
        assertTrue(rows <= InferencePlan.WEIGHT_FIRST_MAX_ROWS && (long) rows * LENGTH > InferencePlan.WEIGHT_FIRST_MAX_ROWS);
        Random rng = new Random(3);
        long[] ids = new long[rows * LENGTH];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(config.vocabSize());
        }
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), dtype, 5);
             NDManager m = model.manager().newSubManager();
             NDScope scope = new NDScope()) {
            // Random init leaves biases at zero: give them values, so that their column form is exercised.
            model.parameters().forEach((p, value) -> {
                if (p.endsWith(".bias")) {
                    float[] bias = new float[Math.toIntExact(value.size())];
                    for (int i = 0; i < bias.length; i++) {
                        bias[i] = (float) (0.5 * rng.nextGaussian());
                    }
                    value.addi(m.create(bias, value.getShape()).toType(dtype, false));
                }
            });
            NDArray all = m.create(ids, new Shape(rows, LENGTH));
            // Left padding in the first row, as batched generation lays prompts out.
            long[] maskValues = new long[rows * LENGTH];
            Arrays.fill(maskValues, 1);
            Arrays.fill(maskValues, 0, 5, 0);
            NDArray mask = m.create(maskValues, new Shape(rows, LENGTH));
            NDArray positions = DecoderModel.positionsFromMask(mask);
            float[] full = model.forward(all, mask).get(new NDIndex(":, -1"))
                    .toType(DataType.FLOAT32, false).toFloatArray();

            float[] decoded;
            try (KvCache cache = new KvCache(model, rows, LENGTH)) {
                // Prefill all but the last token (rows × 39: the plain path), then decode the last one.
                model.hiddenStates(all.get(new NDIndex(":, :{}", LENGTH - 1)), positions.get(new NDIndex(":, :{}", LENGTH - 1)),
                        mask.get(new NDIndex(":, :{}", LENGTH - 1)), cache);
                NDArray hidden = model.hiddenStates(all.get(new NDIndex(":, {}:", LENGTH - 1)),
                        positions.get(new NDIndex(":, {}:", LENGTH - 1)), mask, cache);
                decoded = model.nextTokenLogits(hidden.squeeze(1)).toType(DataType.FLOAT32, false).toFloatArray();
            }
            float maxDiff = 0;
            float maxAbs = 0;
            for (int i = 0; i < full.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(full[i] - decoded[i]));
                maxAbs = Math.max(maxAbs, Math.abs(full[i]));
            }
            assertTrue(maxAbs > 0.01, "logits of a random model are not all ~0: " + maxAbs);
            assertTrue(maxDiff <= tolerance * Math.max(1, maxAbs), name + ": max |Δ logit| = " + maxDiff + " of " + maxAbs);
        }
    }
}
