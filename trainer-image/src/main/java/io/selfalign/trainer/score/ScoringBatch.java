package io.selfalign.trainer.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Prompt + response token ids as one right-padded batch: {@code inputIds} and {@code attentionMask} [B,T]
 * for the model, and {@code responseMask} [B,T-1] marking which next-token predictions belong to the
 * response (column t predicts token t+1). Arrays belong to the given manager.
 */
public record ScoringBatch(NDArray inputIds, NDArray attentionMask, NDArray responseMask) {

    /** A prompt and the response tokens to score given it (append EOS to count it). */
    public record Pair(long[] prompt, long[] response) {
        public Pair {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("empty prompt");
            }
        }
    }

    public static ScoringBatch of(List<Pair> pairs, long padId, NDManager manager) {
        int b = pairs.size();
        int t = pairs.stream().mapToInt(p -> p.prompt().length + p.response().length).max().orElseThrow();
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        float[] response = new float[b * (t - 1)];
        java.util.Arrays.fill(ids, padId);
        for (int i = 0; i < b; i++) {
            long[] p = pairs.get(i).prompt();
            long[] r = pairs.get(i).response();
            System.arraycopy(p, 0, ids, i * t, p.length);
            System.arraycopy(r, 0, ids, i * t + p.length, r.length);
            java.util.Arrays.fill(mask, i * t, i * t + p.length + r.length, 1);
            // Response token j sits at column p.length + j and is predicted from column p.length + j - 1.
            java.util.Arrays.fill(response, i * (t - 1) + p.length - 1, i * (t - 1) + p.length - 1 + r.length, 1f);
        }
        return new ScoringBatch(manager.create(ids, new Shape(b, t)), manager.create(mask, new Shape(b, t)),
                manager.create(response, new Shape(b, t - 1)));
    }
}
