package io.selfalign.trainer.guidance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.selfalign.api.round.GuidanceAggregation;
import io.selfalign.trainer.score.ScoringBatch;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Token scores of two responses of different lengths, aggregated three ways (exact in float32 but for the mean's division). */
class AggregationTest {
    private NDManager manager;
    private ScoringBatch batch;
    private NDArray tokenScores;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        batch = ScoringBatch.of(List.of(new ScoringBatch.Pair(new long[] {1, 2}, new long[] {4, 5, 3}),
                new ScoringBatch.Pair(new long[] {1}, new long[] {6, 3})), 0, manager);
        tokenScores = manager.create(new float[] {0.5f, -1.0f, 2.0f, 0.25f, -0.75f});
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void sumMeanAndMinRunOverEachResponsesOwnTokens() {
        assertArrayEquals(new float[] {1.5f, -0.5f}, Aggregation.of(GuidanceAggregation.SUM, tokenScores, batch).toFloatArray(), 0f);
        assertArrayEquals(new float[] {0.5f, -0.25f}, Aggregation.of(GuidanceAggregation.MEAN, tokenScores, batch).toFloatArray(), 1e-7f);
        assertArrayEquals(new float[] {-1.0f, -0.75f}, Aggregation.of(GuidanceAggregation.MIN, tokenScores, batch).toFloatArray(), 0f);
    }

    @Test
    void theTokenColumnsAreTheTokensOwnPositions() {
        // Row length 5: response tokens of sequence 0 at columns 2, 3, 4; of sequence 1 at 1, 2 (row 1 starts at 5).
        assertArrayEquals(new long[] {2, 3, 4, 6, 7}, batch.response().tokenColumns());
    }
}
