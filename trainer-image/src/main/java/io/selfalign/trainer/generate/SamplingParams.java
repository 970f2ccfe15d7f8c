package io.selfalign.trainer.generate;

/**
 * How to pick each next token. {@code temperature == 0} is greedy; otherwise the logits are divided by the
 * temperature, cut to the {@code topK} most likely tokens (0 = no cut) and to the smallest set whose
 * probability reaches {@code topP} (1 = no cut), and sampled.
 *
 * @param maxNewTokens generated tokens per sequence at most (EOS included)
 * @param batchSize sequences decoded together
 * @param useCache decode with the KV cache (false recomputes the whole sequence each step; for benchmarks)
 */
public record SamplingParams(double temperature, double topP, int topK, int maxNewTokens, int batchSize,
                             boolean useCache) {
    public SamplingParams {
        if (temperature < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max-new-tokens must be >= 1, got " + maxNewTokens);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch-size must be >= 1, got " + batchSize);
        }
    }

    public static SamplingParams greedy(int maxNewTokens, int batchSize) {
        return new SamplingParams(0, 1, 0, maxNewTokens, batchSize, true);
    }

    public static SamplingParams sample(double temperature, double topP, int topK, int maxNewTokens, int batchSize) {
        return new SamplingParams(temperature, topP, topK, maxNewTokens, batchSize, true);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public SamplingParams withCache(boolean on) {
        return new SamplingParams(temperature, topP, topK, maxNewTokens, batchSize, on);
    }
}
