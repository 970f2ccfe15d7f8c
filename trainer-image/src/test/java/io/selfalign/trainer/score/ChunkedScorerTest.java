package io.selfalign.trainer.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The scorer's response-rows-only, chunked path against the full [B,T,V] log-softmax it replaced, on the fixtures (1e-5). */
class ChunkedScorerTest {

    private static List<ScoringBatch.Pair> pairs(String fixture) throws Exception {
        JsonNode rows = Fixtures.expected(fixture).get("sequence_logps");
        List<ScoringBatch.Pair> pairs = new ArrayList<>();
        rows.forEach(r -> {
            long[] full = Fixtures.longs(r.get("full_ids"));
            int p = r.get("prompt_ids").size();
            pairs.add(new ScoringBatch.Pair(Arrays.copyOf(full, p), Arrays.copyOfRange(full, p, full.length)));
        });
        return pairs;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void rowLogProbsEqualTheFullLogSoftmax(String fixture) throws Exception {
        try (DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu());
             NDManager m = model.manager().newSubManager()) {
            ScoringBatch batch = ScoringBatch.of(pairs(fixture), 0, m);
            NDArray logits = model.forward(batch.inputIds(), batch.attentionMask());
            NDArray full = SequenceScorer.tokenLogProbs(logits, batch.inputIds());
            long t = logits.getShape().get(1);
            long v = logits.getShape().get(2);
            NDArray rows = logits.get(new NDIndex(":, :{}", t - 1)).reshape(-1, v);
            NDArray targets = batch.inputIds().get(new NDIndex(":, 1:")).reshape(-1);
            NDArray byRow = SequenceScorer.rowLogProbs(rows, targets).reshape(full.getShape());
            float maxDiff = byRow.sub(full).abs().max().getFloat();
            assertTrue(maxDiff < 1e-5, fixture + ": max |Δ log p| = " + maxDiff);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void scoresEqualTheFullLogSoftmaxSums(String fixture) throws Exception {
        List<ScoringBatch.Pair> pairs = pairs(fixture);
        try (DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu());
             NDManager m = model.manager().newSubManager()) {
            ScoringBatch batch = ScoringBatch.of(pairs, 0, m);
            float[] want = SequenceScorer.sequenceLogProbs(model.forward(batch.inputIds(), batch.attentionMask()), batch)
                    .toFloatArray();
            // 3 rows per chunk: chunks end inside a response and span two responses.
            for (int rowsPerChunk : new int[] {3, SequenceScorer.rowsPerChunk(model.config().vocabSize())}) {
                List<SequenceScorer.Score> got = SequenceScorer.score(model, pairs, 0, pairs.size(), rowsPerChunk);
                for (int i = 0; i < pairs.size(); i++) {
                    // Both sum ~10 float32 terms: relative 1e-5 is a few ulps of the sum.
                    assertEquals(want[i], got.get(i).sum(), 1e-5 * Math.max(1, Math.abs(want[i])), "row " + i);
                }
            }
        }
    }
}
