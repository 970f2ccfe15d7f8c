package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.api.v1alpha1.RunPhase;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusTableTest {
    @Test
    void keyMetricsComeFirstAndNumbersStayShort() {
        assertEquals("pairs=800 seed_agreement=0.9844 flagged_fraction=0.1 accuracy=0.8123 lr=0.00005",
                StatusTable.metrics(Map.of("pairs", 800.0, "lr", 5e-5, "accuracy", 0.812345, "flagged_fraction", 0.1,
                        "seed_agreement", 0.984375)));
    }

    @Test
    void heldOutAccuraciesComeRightAfterThePairs() {
        assertEquals("pairs=600 judge_accuracy=0.61 validation_accuracy=0.635 seed_agreement=0.98 flagged_fraction=0.1 accuracy=0.7",
                StatusTable.metrics(Map.of("pairs", 600.0, "accuracy", 0.7, "flagged_fraction", 0.1, "seed_agreement", 0.98,
                        "validation_accuracy", 0.635, "judge_accuracy", 0.61, "margin", 0.2)));
    }

    @Test
    void aShardedRoundsStageInProgressComesFirst() {
        AlignmentRunStatus s = new AlignmentRunStatus();
        s.currentIteration = 1;
        IterationStatus one = s.iteration(1);
        one.phase = RunPhase.RUNNING;
        one.stage = "Generating 1/2 shards";
        assertEquals("[iter 1: Generating 1/2 shards] ", StatusTable.stage(s));
        one.phase = RunPhase.SUCCEEDED;
        assertEquals("", StatusTable.stage(s), "only while it runs");
        one.phase = RunPhase.RUNNING;
        one.stage = null;
        assertEquals("", StatusTable.stage(s), "unsharded rounds show no stage");
    }
}
