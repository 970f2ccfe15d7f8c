package io.selfalign.trainer.bench;

import io.selfalign.trainer.model.LoraAdapters;
import io.selfalign.trainer.model.ModelConfig;
import java.util.List;
import java.util.Locale;

/**
 * The memory a preference-training step holds, by the accounting of {@code docs/memory.md}, in bytes:
 * <ul>
 *   <li>{@code weights} — the model in its compute dtype (e = 2 for float16, 4 for float32);</li>
 *   <li>{@code trainingState} — per trained parameter: its gradient (e), with float16 a float32 master (4) and
 *       the float32 copy of its gradient made during the optimizer step (4), and AdamW's two moments (8); a LoRA
 *       adapter's own weights (e) count here too;</li>
 *   <li>{@code reference} — the frozen copy of the weights SPA's noise detection (λ > 0) keeps in full training;
 *       none with LoRA (the reference is the adapters-off forward);</li>
 *   <li>{@code activations} — what autograd keeps for one micro-batch of {@code sequences} (2 per pair) of
 *       {@code length} tokens: per layer and token e·(14·d + 5·kvDim + 6·ff + 3·heads·length) elements counted from
 *       {@code DecoderModel}'s ops (norms, q/k/v and rotary, scores and softmax, gated MLP), plus the logits and
 *       their float32 log-softmax (3 · vocab per token). An estimate: the measured numbers are in the doc.</li>
 * </ul>
 */
public record TrainingMemoryEstimate(long weights, long trainingState, long reference, long activations) {

    /**
     * @param adapterParameters 0 for full training, else the LoRA adapters' size ({@code LoraAdapters.parameterCount})
     * @param float16           float16 weights with float32 masters (GPU), else float32 throughout
     * @param extrapolation     SPA with λ > 0 (a frozen reference runs alongside in full training)
     */
    public static TrainingMemoryEstimate of(ModelConfig c, long adapterParameters, boolean float16, boolean extrapolation,
                                            int sequences, int length) {
        long e = float16 ? 2 : 4;
        long params = c.parameterCount();
        boolean lora = adapterParameters > 0;
        long trained = lora ? adapterParameters : params;
        long perTrained = e + (float16 ? 4 + 4 : 0) + 8 + (lora ? e : 0);
        long kvDim = (long) c.numKvHeads() * c.headDim();
        long perLayerToken = 14L * c.hiddenSize() + 5 * kvDim + 6L * c.intermediateSize() + 3L * c.numHeads() * length;
        long tokens = (long) sequences * length;
        long activations = e * tokens * (c.numLayers() * perLayerToken) + tokens * c.vocabSize() * (e + 4 + 4);
        return new TrainingMemoryEstimate(e * params, perTrained * trained, extrapolation && !lora ? e * params : 0, activations);
    }

    public long total() {
        return weights + trainingState + reference + activations;
    }

    /**
     * Markdown table of the estimate for Qwen2-0.5B, Mistral-7B and Llama-2-13B in float16: full training (seed
     * round, and an SPA iteration with λ > 0) and LoRA r = 16 on every projection, for a micro-batch of one pair
     * (two sequences) of 1024 and 2048 tokens.
     */
    public static String paperSizesTable() {
        StringBuilder b = new StringBuilder("| model (params) | mode | weights | training state | reference | activations 1×1024 | total 1×1024 | activations 1×2048 | total 1×2048 |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (ModelConfig c : List.of(QWEN2_05B, MISTRAL_7B, LLAMA2_13B)) {
            String name = String.format(Locale.ROOT, "%s (%.2fB)", c == QWEN2_05B ? "Qwen2-0.5B" : c == MISTRAL_7B ? "Mistral-7B" : "Llama-2-13B",
                    c.parameterCount() / 1e9);
            long lora = LoraAdapters.parameterCount(c, 16, io.selfalign.api.round.RoundSpec.Lora.MODULES);
            for (String mode : List.of("full, seed round (dpo)", "full, spa λ > 0", "LoRA r=16, any loss")) {
                long adapters = mode.startsWith("LoRA") ? lora : 0;
                boolean extrapolation = mode.contains("spa");
                TrainingMemoryEstimate at1k = of(c, adapters, true, extrapolation, 2, 1024);
                TrainingMemoryEstimate at2k = of(c, adapters, true, extrapolation, 2, 2048);
                b.append("| ").append(name).append(" | ").append(mode).append(" | ").append(gib(at1k.weights)).append(" | ")
                        .append(gib(at1k.trainingState)).append(" | ").append(gib(at1k.reference)).append(" | ")
                        .append(gib(at1k.activations)).append(" | ").append(gib(at1k.total())).append(" | ")
                        .append(gib(at2k.activations)).append(" | ").append(gib(at2k.total())).append(" |\n");
            }
        }
        return b.toString();
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** Published configs (config.json of Qwen/Qwen2-0.5B, mistralai/Mistral-7B-v0.1, meta-llama/Llama-2-13b-hf). */
    static final ModelConfig QWEN2_05B = ModelConfig.builder().architecture("Qwen2ForCausalLM").vocabSize(151936).hiddenSize(896)
            .intermediateSize(4864).layers(24).heads(14).kvHeads(2).maxPositions(4096).tieWordEmbeddings(true).qkvBias(true).build();
    static final ModelConfig MISTRAL_7B = ModelConfig.builder().architecture("MistralForCausalLM").vocabSize(32000).hiddenSize(4096)
            .intermediateSize(14336).layers(32).heads(32).kvHeads(8).maxPositions(4096).tieWordEmbeddings(false).build();
    static final ModelConfig LLAMA2_13B = ModelConfig.builder().vocabSize(32000).hiddenSize(5120).intermediateSize(13824).layers(40)
            .heads(40).kvHeads(40).maxPositions(4096).tieWordEmbeddings(false).build();
}
