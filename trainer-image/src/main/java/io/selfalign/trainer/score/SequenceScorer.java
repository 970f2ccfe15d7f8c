package io.selfalign.trainer.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.runtime.NativeHeap;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Log-probabilities of responses given prompts (ALGORITHMS.md §0): per token
 * {@code l_t = log_softmax(h_{t-1})[y_t]}, summed over the response ({@code S}) and divided by its length
 * ({@code Ŝ}). The static methods are differentiable (use them inside a GradientCollector); {@link #score}
 * runs without gradients in batches.
 */
public final class SequenceScorer {
    /**
     * Bytes of one chunk's [rows, V] logits while scoring (its log-probs take as much again): 128 rows at V=32k.
     * Small enough to stay below the layers' own activations at the usual batch shapes; the chunk's few ops
     * are nothing beside its matmul.
     */
    static final long CHUNK_BYTES = 16L << 20;

    /** Summed and mean log-probability of one response, over {@code tokens} response tokens. */
    public record Score(double sum, double mean, int tokens) {
    }

    private SequenceScorer() {
    }

    /** log p(input_{t+1} | input_≤t) for every column: [B,T-1] from logits [B,T,V] and ids [B,T]. */
    public static NDArray tokenLogProbs(NDArray logits, NDArray inputIds) {
        long t = logits.getShape().get(1);
        // Column ranges by split: one op each, where an NDIndex slice costs one per axis.
        NDArray logp = widen(logits.split(new long[] {t - 1}, 1).get(0)).logSoftmax(2);
        NDArray targets = inputIds.split(new long[] {1}, 1).get(1).toType(DataType.INT64, false).expandDims(2);
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

    /**
     * Scores every pair without gradients, {@code batchSize} pairs per forward pass. Only the rows that predict
     * a response token are projected to the vocabulary, {@link #rowsPerChunk} at a time, each chunk's
     * log-softmax is gathered at its targets and freed: no [B,T,V] logits or log-prob tensor exists.
     */
    public static List<Score> score(DecoderModel model, List<ScoringBatch.Pair> pairs, long padId, int batchSize) {
        return score(model, pairs, padId, batchSize, rowsPerChunk(model.config().vocabSize()));
    }

    /** Rows per chunk whose fp32 logits fit {@link #CHUNK_BYTES}. */
    static int rowsPerChunk(int vocabSize) {
        return (int) Math.max(1, CHUNK_BYTES / (4L * vocabSize));
    }

    static List<Score> score(DecoderModel model, List<ScoringBatch.Pair> pairs, long padId, int batchSize, int rowsPerChunk) {
        List<Score> out = new ArrayList<>();
        NDManager m = model.manager();
        for (int start = 0; start < pairs.size(); start += batchSize) {
            List<ScoringBatch.Pair> chunk = pairs.subList(start, Math.min(pairs.size(), start + batchSize));
            double[] sums = new double[chunk.size()];
            try (NDScope scope = new NDScope()) {
                ScoringBatch batch = ScoringBatch.of(chunk, padId, m);
                NDArray ids = batch.inputIds();
                NDArray hidden = model.hiddenStates(ids, DecoderModel.positionsFromMask(batch.attentionMask()),
                        batch.attentionMask(), null);
                long width = ids.getShape().get(1);
                NDArray rows = hidden.reshape(-1, hidden.getShape().get(2));
                ResponseRows response = ResponseRows.of(chunk, width);
                for (int from = 0; from < response.size(); from += rowsPerChunk) {
                    int to = Math.min(response.size(), from + rowsPerChunk);
                    try (NDScope rowScope = new NDScope()) {
                        NDArray picked = Embedding.embedding(m.create(Arrays.copyOfRange(response.rows(), from, to)), rows,
                                SparseFormat.DENSE).singletonOrThrow();
                        float[] logp = rowLogProbs(widen(model.logits(picked)),
                                m.create(Arrays.copyOfRange(response.targets(), from, to))).toFloatArray();
                        for (int r = from; r < to; r++) {
                            sums[response.owners()[r]] += logp[r - from];
                        }
                    }
                }
            }
            // The batch's activations are freed: return them to the OS before the next batch fragments them further.
            NativeHeap.trim();
            for (int i = 0; i < chunk.size(); i++) {
                int n = chunk.get(i).response().length;
                out.add(new Score(sums[i], n == 0 ? 0 : sums[i] / n, n));
            }
        }
        return out;
    }

    /** Rows of the flattened [B*T] batch that predict response tokens, the tokens, and the pair of each row. */
    private record ResponseRows(long[] rows, long[] targets, int[] owners) {
        static ResponseRows of(List<ScoringBatch.Pair> pairs, long width) {
            int n = pairs.stream().mapToInt(p -> p.response().length).sum();
            long[] rows = new long[n];
            long[] targets = new long[n];
            int[] owners = new int[n];
            int k = 0;
            for (int i = 0; i < pairs.size(); i++) {
                long[] prompt = pairs.get(i).prompt();
                long[] response = pairs.get(i).response();
                for (int j = 0; j < response.length; j++) {
                    // Response token j sits at column prompt.length + j, predicted from the column before it.
                    rows[k] = i * width + prompt.length - 1 + j;
                    targets[k] = response[j];
                    owners[k++] = i;
                }
            }
            return new ResponseRows(rows, targets, owners);
        }

        int size() {
            return rows.length;
        }
    }

    /**
     * log p(target) of each row of logits [R,V]: torch's log_softmax is one fused kernel with one [R,V] output
     * (a hand-written max + log-sum-exp would need two [R,V] temporaries, DJL having no in-place exp).
     */
    static NDArray rowLogProbs(NDArray logits, NDArray targets) {
        return logits.logSoftmax(1).gather(targets.reshape(-1, 1), 1).squeeze(1);
    }
}
