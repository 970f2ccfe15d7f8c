package io.selfalign.trainer.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Prompt + response token ids as one right-padded batch: {@code inputIds} and {@code attentionMask} [B,T]
 * for the model, and {@code response}: the rows of the flattened [B·T] batch that predict a response token
 * (column t predicts token t+1), the tokens they predict and the sequence each belongs to. Only those rows
 * need the model's head: prompt and padding columns are never projected to the vocabulary. Arrays belong
 * to the given manager.
 */
public record ScoringBatch(NDArray inputIds, NDArray attentionMask, ResponseRows response) {

    /** A prompt and the response tokens to score given it (append EOS to count it). */
    public record Pair(long[] prompt, long[] response) {
        public Pair {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("empty prompt");
            }
        }
    }

    /**
     * Response-predicting rows of a batch, in sequence order: {@code rows[k]} (an index into [B·T]) predicts
     * {@code targets[k]}, a token of sequence {@code owners[k]}.
     */
    public record ResponseRows(int sequences, long[] rows, long[] targets, int[] owners) {
        public int size() {
            return rows.length;
        }

        /** The column holding each response token itself (the row after the one predicting it): where a token classifier scores it. */
        public long[] tokenColumns() {
            long[] out = new long[rows.length];
            for (int r = 0; r < rows.length; r++) out[r] = rows[r] + 1;
            return out;
        }

        /** [B,R]: 1 where row r belongs to sequence b, so that a matrix product sums per sequence. */
        public NDArray ownership(NDManager manager) {
            float[] oneHot = new float[sequences * rows.length];
            for (int r = 0; r < rows.length; r++) {
                oneHot[owners[r] * rows.length + r] = 1f;
            }
            return manager.create(oneHot, new Shape(sequences, rows.length));
        }
    }

    public static ScoringBatch of(List<Pair> pairs, long padId, NDManager manager) {
        int b = pairs.size();
        int t = pairs.stream().mapToInt(p -> p.prompt().length + p.response().length).max().orElseThrow();
        int n = pairs.stream().mapToInt(p -> p.response().length).sum();
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        long[] rows = new long[n];
        long[] targets = new long[n];
        int[] owners = new int[n];
        Arrays.fill(ids, padId);
        int k = 0;
        for (int i = 0; i < b; i++) {
            long[] p = pairs.get(i).prompt();
            long[] r = pairs.get(i).response();
            System.arraycopy(p, 0, ids, i * t, p.length);
            System.arraycopy(r, 0, ids, i * t + p.length, r.length);
            Arrays.fill(mask, i * t, i * t + p.length + r.length, 1);
            for (int j = 0; j < r.length; j++) {
                // Response token j sits at column p.length + j and is predicted from the column before it.
                rows[k] = (long) i * t + p.length - 1 + j;
                targets[k] = r[j];
                owners[k++] = i;
            }
        }
        return new ScoringBatch(manager.create(ids, new Shape(b, t)), manager.create(mask, new Shape(b, t)),
                new ResponseRows(b, rows, targets, owners));
    }
}
