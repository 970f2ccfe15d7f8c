package io.selfalign.trainer.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.runtime.NativeHeap;
import io.selfalign.trainer.runtime.StopSignal;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Log-probabilities of responses given prompts (docs/algorithm.md §0): per token
 * {@code l_t = log_softmax(h_{t-1})[y_t]}, summed over the response ({@code S}) and divided by its length
 * ({@code Ŝ}). Only the rows that predict a response token are projected to the vocabulary: at a 32k
 * vocabulary the head is most of a small model's arithmetic, and prompt and padding columns need none of it.
 * The static methods on logits are differentiable (use them inside a GradientCollector); {@link #score}
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
        return x.mul(x.getManager().ones(new Shape(1), DataType.FLOAT32));
    }

    /**
     * Logits [R,V] of the batch's response-predicting rows under {@code model} (differentiable when the model
     * is trainable): the layers run on the whole batch, the head on those rows only.
     */
    public static NDArray responseLogits(DecoderModel model, ScoringBatch batch) {
        return model.logits(responseRows(finalHidden(model, batch), batch));
    }

    /** The model's final-norm hidden states [B,T,D] of the whole batch. */
    private static NDArray finalHidden(DecoderModel model, ScoringBatch batch) {
        return model.hiddenStates(batch.inputIds(), DecoderModel.positionsFromMask(batch.attentionMask()), batch.attentionMask(), null);
    }

    /** The response-predicting rows [R, …] of a per-column tensor [B,T, …] of the batch (hidden states, logits). */
    public static NDArray responseRows(NDArray perColumn, ScoringBatch batch) {
        Shape shape = perColumn.getShape();
        return pick(perColumn.reshape(new Shape(shape.get(0) * shape.get(1)).addAll(shape.slice(2))), batch.response().rows());
    }

    /** Rows {@code indices} of {@code flat} [N, …]: an embedding lookup is one differentiable row gather. */
    private static NDArray pick(NDArray flat, long[] indices) {
        return Embedding.embedding(flat.getManager().create(indices), flat, SparseFormat.DENSE).singletonOrThrow();
    }

    /** Summed response log-probability [B] of each sequence, from its response rows' logits [R,V]. */
    public static NDArray sequenceLogProbs(NDArray responseLogits, ScoringBatch batch) {
        return perSequence(responseTokenLogProbs(responseLogits, batch), batch);
    }

    /** Log-probability [R] of each response token, from its response row's logits [R,V]. */
    public static NDArray responseTokenLogProbs(NDArray responseLogits, ScoringBatch batch) {
        return rowLogProbs(widen(responseLogits), responseLogits.getManager().create(batch.response().targets()));
    }

    /** Per-token values [R] summed per sequence [B]. */
    public static NDArray perSequence(NDArray perToken, ScoringBatch batch) {
        return batch.response().ownership(perToken.getManager()).matMul(perToken.reshape(-1, 1)).reshape(-1);
    }

    /**
     * A token classifier's first output at each response token [R] (differentiable when the classifier is trainable): the
     * score of token y_t given x and y_≤t, read at the token's own column (the guidance model, docs/algorithm.md §6).
     */
    public static NDArray responseTokenScores(DecoderModel classifier, ScoringBatch batch) {
        NDArray hidden = finalHidden(classifier, batch);
        Shape shape = hidden.getShape();
        NDArray picked = pick(hidden.reshape(shape.get(0) * shape.get(1), shape.get(2)), batch.response().tokenColumns());
        return widen(classifier.logits(picked)).reshape(-1);
    }

    /**
     * Scores every pair without gradients, {@code batchSize} pairs per forward pass, and returns the scores in the order of
     * {@code pairs}. Pairs are batched by length ({@link #lengthOrder}). Only the rows that predict a response token are
     * projected to the vocabulary, {@link #rowsPerChunk} at a time, each chunk's log-softmax is gathered at its targets and
     * freed: no [B,T,V] logits or log-prob tensor exists.
     */
    public static List<Score> score(DecoderModel model, List<ScoringBatch.Pair> pairs, long padId, int batchSize) {
        return score(model, pairs, padId, batchSize, done -> { });
    }

    /** {@link #score(DecoderModel, List, long, int)}, telling {@code progress} how many pairs are scored after each batch. */
    public static List<Score> score(DecoderModel model, List<ScoringBatch.Pair> pairs, long padId, int batchSize, IntConsumer progress) {
        return score(model, pairs, padId, batchSize, rowsPerChunk(model.config().vocabSize()), progress);
    }

    /** Rows per chunk whose fp32 logits fit {@link #CHUNK_BYTES}. */
    static int rowsPerChunk(int vocabSize) {
        return (int) Math.max(1, CHUNK_BYTES / (4L * vocabSize));
    }

    /**
     * The order in which pairs are batched: longest (prompt + response) first, ties in input order. A batch is padded to its
     * longest pair, so pairs of similar length waste the least compute on padding; the longest batch comes first, so a
     * batch size too large for the memory fails at once rather than at the end.
     */
    static int[] lengthOrder(List<ScoringBatch.Pair> pairs) {
        return IntStream.range(0, pairs.size()).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> pairs.get(i).prompt().length + pairs.get(i).response().length).reversed())
                .mapToInt(Integer::intValue).toArray();
    }

    static List<Score> score(DecoderModel model, List<ScoringBatch.Pair> pairs, long padId, int batchSize, int rowsPerChunk,
                             IntConsumer progress) {
        Score[] out = new Score[pairs.size()];
        int[] order = lengthOrder(pairs);
        NDManager m = model.manager();
        for (int start = 0; start < pairs.size(); start += batchSize) {
            StopSignal.check("scoring");
            int[] members = Arrays.copyOfRange(order, start, Math.min(pairs.size(), start + batchSize));
            List<ScoringBatch.Pair> chunk = Arrays.stream(members).mapToObj(pairs::get).toList();
            double[] sums = new double[chunk.size()];
            try (NDScope scope = new NDScope()) {
                ScoringBatch batch = ScoringBatch.of(chunk, padId, m);
                NDArray hidden = finalHidden(model, batch);
                NDArray rows = hidden.reshape(-1, hidden.getShape().get(2));
                ScoringBatch.ResponseRows response = batch.response();
                for (int from = 0; from < response.size(); from += rowsPerChunk) {
                    int to = Math.min(response.size(), from + rowsPerChunk);
                    try (NDScope rowScope = new NDScope()) {
                        NDArray picked = pick(rows, Arrays.copyOfRange(response.rows(), from, to));
                        float[] logp = rowLogProbs(widen(model.logits(picked)),
                                m.create(Arrays.copyOfRange(response.targets(), from, to))).toFloatArray();
                        for (int r = from; r < to; r++) {
                            sums[response.owners()[r]] += logp[r - from];
                        }
                    }
                }
            }
            for (int i = 0; i < members.length; i++) {
                int n = chunk.get(i).response().length;
                out[members[i]] = new Score(sums[i], n == 0 ? 0 : sums[i] / n, n);
            }
            progress.accept(start + members.length);
        }
        // The next batch reuses this one's freed activations; the phase after scoring need not keep them resident.
        NativeHeap.trim();
        return Arrays.asList(out);
    }

    /**
     * log p(target) of each row of logits [R,V]: torch's log_softmax is one fused kernel with one [R,V] output
     * (a hand-written max + log-sum-exp would need two [R,V] temporaries, DJL having no in-place exp).
     */
    static NDArray rowLogProbs(NDArray logits, NDArray targets) {
        return logits.logSoftmax(1).gather(targets.reshape(-1, 1), 1).squeeze(1);
    }
}
