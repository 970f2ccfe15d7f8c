package io.selfalign.trainer.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * When choosing next tokens, a few rows against a large head are multiplied as (W·xᵀ)ᵀ (DecoderModel#headFirst).
 * A cached decode step of 8 rows takes that path; the full forward of the same 8 × 40 tokens (320 rows) takes the plain
 * x·Wᵀ. Their last-position logits must agree to float32 rounding.
 */
class HeadFirstProductTest {
    private static final int BATCH = 8;
    private static final int LENGTH = 40;
    // The tied head: 17,000 × 64 floats, above the 4 MiB bound.
    private static final ModelConfig CONFIG = ModelConfig.builder().vocabSize(17_000).hiddenSize(64).intermediateSize(128)
            .layers(2).heads(4).maxPositions(64).tieWordEmbeddings(true).build();

    @Test
    void aCachedDecodeStepThroughTheHeadFirstProductEqualsTheFullForward() {
        assertTrue(17_000L * 64 * 4 >= DecoderModel.HEAD_FIRST_MIN_BYTES);
        assertTrue(BATCH >= DecoderModel.HEAD_FIRST_MIN_ROWS && (long) BATCH * LENGTH > DecoderModel.HEAD_FIRST_MAX_ROWS);
        Random rng = new Random(3);
        long[] ids = new long[BATCH * LENGTH];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(CONFIG.vocabSize());
        }
        try (DecoderModel model = DecoderModel.random(CONFIG, Device.cpu(), 5);
             NDManager m = model.manager().newSubManager();
             NDScope scope = new NDScope()) {
            NDArray all = m.create(ids, new Shape(BATCH, LENGTH));
            NDArray mask = m.ones(new Shape(BATCH, LENGTH), DataType.INT64);
            float[] full = model.forward(all, mask).get(new NDIndex(":, -1")).toFloatArray();

            float[] decoded;
            try (KvCache cache = new KvCache(model, BATCH, LENGTH)) {
                NDArray positions = DecoderModel.positionsFromMask(mask);
                // Prefill the first 39 tokens (312 rows: the plain product), then decode the last one (8 rows).
                model.hiddenStates(all.get(new NDIndex(":, :{}", LENGTH - 1)), positions.get(new NDIndex(":, :{}", LENGTH - 1)),
                        mask.get(new NDIndex(":, :{}", LENGTH - 1)), cache);
                NDArray hidden = model.hiddenStates(all.get(new NDIndex(":, {}:", LENGTH - 1)),
                        positions.get(new NDIndex(":, {}:", LENGTH - 1)), mask, cache);
                decoded = model.nextTokenLogits(hidden.squeeze(1)).toFloatArray();
            }
            float maxDiff = 0;
            float maxAbs = 0;
            for (int i = 0; i < full.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(full[i] - decoded[i]));
                maxAbs = Math.max(maxAbs, Math.abs(full[i]));
            }
            assertTrue(maxAbs > 0.01, "logits of a random model are not all ~0: " + maxAbs);
            // float32 sums of 64–128 products of values ~0.02–1: a few ulps of the logits' scale.
            assertTrue(maxDiff <= 1e-5 * Math.max(1, maxAbs), "max |Δ logit| = " + maxDiff + " of " + maxAbs);
        }
    }
}
