package io.selfalign.trainer.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.selfalign.trainer.model.DecoderModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Log-probabilities of responses given prompts (ALGORITHMS.md §0): per token
 * {@code l_t = log_softmax(h_{t-1})[y_t]}, summed over the response ({@code S}) and divided by its length
 * ({@code Ŝ}). The static methods are differentiable (use them inside a GradientCollector); {@link #score}
 * runs without gradients in batches.
 */
public final class SequenceScorer {
    /** Summed and mean log-probability of one response, over {@code tokens} response tokens. */
    public record Score(double sum, double mean, int tokens) {
    }

    private SequenceScorer() {
    }

    /** log p(input_{t+1} | input_≤t) for every column: [B,T-1] from logits [B,T,V] and ids [B,T]. */
    public static NDArray tokenLogProbs(NDArray logits, NDArray inputIds) {
        long t = logits.getShape().get(1);
        NDArray logp = widen(logits.get(new NDIndex(":, :{}", t - 1))).logSoftmax(2);
        NDArray targets = inputIds.get(new NDIndex(":, 1:")).toType(DataType.INT64, false).expandDims(2);
        return logp.gather(targets, 2).squeeze(2);
    }

    /**
     * fp16 logits as fp32, keeping the gradient: DJL's toType is not differentiable, but torch's type
     * promotion against a one-element fp32 tensor is.
     */
    static NDArray widen(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        return x.mul(x.getManager().ones(new ai.djl.ndarray.types.Shape(1), DataType.FLOAT32));
    }

    /** Summed response log-probability [B] of a batch, given the model's logits for it. */
    public static NDArray sequenceLogProbs(NDArray logits, ScoringBatch batch) {
        return tokenLogProbs(logits, batch.inputIds()).mul(batch.responseMask()).sum(new int[] {1});
    }

    /** Scores every pair without gradients, {@code batchSize} pairs per forward pass. */
    public static List<Score> score(DecoderModel model, List<ScoringBatch.Pair> pairs, long padId, int batchSize) {
        List<Score> out = new ArrayList<>();
        NDManager m = model.manager();
        for (int start = 0; start < pairs.size(); start += batchSize) {
            List<ScoringBatch.Pair> chunk = pairs.subList(start, Math.min(pairs.size(), start + batchSize));
            try (NDScope scope = new NDScope()) {
                ScoringBatch batch = ScoringBatch.of(chunk, padId, m);
                float[] sums = sequenceLogProbs(model.forward(batch.inputIds(), batch.attentionMask()), batch)
                        .toFloatArray();
                for (int i = 0; i < chunk.size(); i++) {
                    int n = chunk.get(i).response().length;
                    out.add(new Score(sums[i], n == 0 ? 0 : sums[i] / n, n));
                }
            }
        }
        return out;
    }
}
