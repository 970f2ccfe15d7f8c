package io.selfalign.trainer.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scorer's response-rows-only paths (chunked without gradients, whole with them) against the full [B,T,V]
 * log-softmax they replaced, on the fixtures (1e-5: a few float32 ulps of sums of ~10 terms).
 */
class ChunkedScorerTest {

    /** Both sides sum ~10 float32 terms: relative 1e-5 is a few ulps of the sum. */
    private static void assertSumClose(double want, double got, String what) {
        assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)), what);
    }

    /** Summed response log-probs from the full [B,T-1] token log-probs, the sums taken here. */
    private static double[] fullLogSoftmaxSums(DecoderModel model, List<ScoringBatch.Pair> pairs, NDManager m) {
        ScoringBatch batch = ScoringBatch.of(pairs, 0, m);
        NDArray logp = SequenceScorer.tokenLogProbs(model.forward(batch.inputIds(), batch.attentionMask()), batch.inputIds());
        long columns = logp.getShape().get(1);
        float[] flat = logp.toFloatArray();
        double[] sums = new double[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            int p = pairs.get(i).prompt().length;
            for (int j = 0; j < pairs.get(i).response().length; j++) {
                sums[i] += flat[(int) (i * columns + p - 1 + j)];
            }
        }
        return sums;
    }

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
            double[] want = fullLogSoftmaxSums(model, pairs, m);
            // 3 rows per chunk: chunks end inside a response and span two responses.
            for (int rowsPerChunk : new int[] {3, SequenceScorer.rowsPerChunk(model.config().vocabSize())}) {
                List<SequenceScorer.Score> got = SequenceScorer.score(model, pairs, 0, pairs.size(), rowsPerChunk, done -> { });
                for (int i = 0; i < pairs.size(); i++) {
                    assertSumClose(want[i], got.get(i).sum(), "row " + i);
                }
            }
        }
    }

    @Test
    void pairsAreBatchedLongestFirstWithTiesInInputOrder() {
        // Prompt + response lengths 5, 10, 5, 10, 5.
        List<ScoringBatch.Pair> pairs = List.of(pair(2, 3), pair(4, 6), pair(1, 4), pair(3, 7), pair(5, 0));
        assertArrayEquals(new int[] {1, 3, 0, 2, 4}, SequenceScorer.lengthOrder(pairs));
    }

    private static ScoringBatch.Pair pair(int prompt, int response) {
        return new ScoringBatch.Pair(new long[prompt], new long[response]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void batchedByLengthEveryPairScoresAsItDoesAloneAndInItsOwnPlace(String fixture) throws Exception {
        // The fixture's pairs interleaved with copies cut to half their response: batches then mix lengths unless sorted.
        List<ScoringBatch.Pair> pairs = new ArrayList<>();
        for (ScoringBatch.Pair p : pairs(fixture)) {
            pairs.add(p);
            pairs.add(new ScoringBatch.Pair(p.prompt(), Arrays.copyOf(p.response(), (p.response().length + 1) / 2)));
        }
        try (DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu())) {
            List<Integer> progress = new ArrayList<>();
            List<SequenceScorer.Score> got = SequenceScorer.score(model, pairs, 0, 3, progress::add);
            for (int i = 0; i < pairs.size(); i++) {
                SequenceScorer.Score alone = SequenceScorer.score(model, List.of(pairs.get(i)), 0, 1).get(0);
                assertSumClose(alone.sum(), got.get(i).sum(), "pair " + i);
                assertEquals(alone.tokens(), got.get(i).tokens(), "pair " + i);
            }
            List<Integer> batchEnds = new ArrayList<>();
            for (int end = 3; end < pairs.size() + 3; end += 3) batchEnds.add(Math.min(end, pairs.size()));
            assertEquals(batchEnds, progress, "pairs scored after each batch");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void trainingThroughTheResponseRowsGivesTheFullLogitsGradients(String fixture) throws Exception {
        List<ScoringBatch.Pair> pairs = pairs(fixture);
        try (DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu());
             NDManager m = model.manager().newSubManager()) {
            double[] want = fullLogSoftmaxSums(model, pairs, m);
            ScoringBatch batch = ScoringBatch.of(pairs, 0, m);
            model.setTrainable(true);
            NDArray embed = model.parameters().get("model.embed_tokens.weight");
            float[][] gradients = new float[2][];
            for (int path = 0; path < 2; path++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.zeroGradients();
                    NDArray sums = path == 0
                            ? SequenceScorer.sequenceLogProbs(SequenceScorer.responseLogits(model, batch), batch)
                            : SequenceScorer.sequenceLogProbs(SequenceScorer.responseRows(
                                    model.forward(batch.inputIds(), batch.attentionMask()), batch), batch);
                    if (path == 0) {
                        float[] got = sums.toFloatArray();
                        for (int i = 0; i < pairs.size(); i++) {
                            assertSumClose(want[i], got[i], "sequence " + i);
                        }
                    }
                    gc.backward(sums.sum());
                }
                gradients[path] = embed.getGradient().toFloatArray();
            }
            model.setTrainable(false);
            float maxDiff = 0;
            float maxAbs = 0;
            for (int i = 0; i < gradients[0].length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(gradients[0][i] - gradients[1][i]));
                maxAbs = Math.max(maxAbs, Math.abs(gradients[1][i]));
            }
            assertTrue(maxAbs > 0, "the embedding must receive a gradient");
            assertTrue(maxDiff <= 1e-5 * Math.max(1, maxAbs), fixture + ": max |Δ grad| = " + maxDiff + " of " + maxAbs);
        }
    }
}
