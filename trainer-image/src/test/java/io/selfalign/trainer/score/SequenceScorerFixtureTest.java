package io.selfalign.trainer.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.selfalign.trainer.Fixtures;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Batched, padded response log-probs against transformers' unpadded per-sequence values (1e-3). */
class SequenceScorerFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void sequenceLogProbsMatchTransformers(String fixture) throws Exception {
        JsonNode rows = Fixtures.expected(fixture).get("sequence_logps");
        List<ScoringBatch.Pair> pairs = new ArrayList<>();
        rows.forEach(r -> {
            long[] full = Fixtures.longs(r.get("full_ids"));
            int p = r.get("prompt_ids").size();
            pairs.add(new ScoringBatch.Pair(Arrays.copyOf(full, p), Arrays.copyOfRange(full, p, full.length)));
        });
        try (DecoderModel model = Checkpoint.load(Fixtures.dir(fixture), Device.cpu())) {
            for (int batchSize : new int[] {1, 3, 4}) {
                List<SequenceScorer.Score> scores = SequenceScorer.score(model, pairs, 0, batchSize);
                for (int i = 0; i < pairs.size(); i++) {
                    double want = rows.get(i).get("response_logp").asDouble();
                    int n = rows.get(i).get("response_tokens").asInt();
                    assertEquals(want, scores.get(i).sum(), 1e-3, "row " + i + " batch " + batchSize);
                    assertEquals(want / n, scores.get(i).mean(), 1e-3 / n);
                    assertEquals(n, scores.get(i).tokens());
                }
            }
        }
    }
}
