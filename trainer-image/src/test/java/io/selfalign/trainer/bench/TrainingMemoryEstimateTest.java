package io.selfalign.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.model.LoraAdapters;
import org.junit.jupiter.api.Test;

/** The accounting of docs/memory.md on Mistral-7B's published shape. */
class TrainingMemoryEstimateTest {
    private static final long PARAMS = 7_241_732_096L; // Mistral-7B-v0.1

    @Test
    void mistralHasItsPublishedParameterAndAdapterCounts() {
        assertEquals(PARAMS, TrainingMemoryEstimate.MISTRAL_7B.parameterCount());
        // r·(in + out) per module and layer: q 4096+4096, k and v 4096+1024, o 4096+4096, gate and up 4096+14336, down 14336+4096.
        long perLayer = 16L * (8192 + 5120 + 5120 + 8192 + 3 * 18432);
        assertEquals(32 * perLayer, LoraAdapters.parameterCount(TrainingMemoryEstimate.MISTRAL_7B, 16, RoundSpec.Lora.MODULES));
        assertEquals(32 * 16L * (8192 + 5120), LoraAdapters.parameterCount(TrainingMemoryEstimate.MISTRAL_7B, 16, java.util.List.of("q_proj", "v_proj")));
    }

    @Test
    void fullFloat16TrainingHolds18BytesPerParameterBesidesTheWeightsAndLoraNoReference() {
        TrainingMemoryEstimate full = TrainingMemoryEstimate.of(TrainingMemoryEstimate.MISTRAL_7B, 0, true, true, 2, 1024);
        assertEquals(2 * PARAMS, full.weights());
        assertEquals(18 * PARAMS, full.trainingState()); // fp16 gradient 2 + master 4 + fp32 gradient copy 4 + AdamW 8
        assertEquals(2 * PARAMS, full.reference());
        long adapters = LoraAdapters.parameterCount(TrainingMemoryEstimate.MISTRAL_7B, 16, RoundSpec.Lora.MODULES);
        TrainingMemoryEstimate lora = TrainingMemoryEstimate.of(TrainingMemoryEstimate.MISTRAL_7B, adapters, true, true, 2, 1024);
        assertEquals(2 * PARAMS, lora.weights());
        assertEquals(20 * adapters, lora.trainingState()); // the adapter weight 2 + the same 18
        assertEquals(0, lora.reference());
        assertEquals(full.activations(), lora.activations());
        assertTrue(lora.total() < 80L << 30, "LoRA 7B at one pair of 1024 tokens fits 80 GB: " + lora.total());
        assertTrue(full.total() > 141L << 30, "full 7B does not fit 141 GB: " + full.total());
    }
}
