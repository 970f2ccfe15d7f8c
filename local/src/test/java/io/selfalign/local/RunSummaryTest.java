package io.selfalign.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.selfalign.api.round.Guard;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.api.v1alpha1.RunPhase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The last lines of local mode: which checkpoint to use, and why a run stopped early. */
class RunSummaryTest {
    static final Path WS = Path.of("/home/me/ws");

    /** It used to print only "Latest checkpoint: …/iter-3/model", a worse model than iteration 1's. */
    @Test
    void theBestCheckpointIsTheOneToUseAndTheLatestIsNamedToo() {
        AlignmentRunStatus status = status("AllIterationsSucceeded", "the seed round and 3 iterations succeeded");
        for (int k = 0; k <= 3; k++) round(status, k, List.of(0.55, 0.71, 0.66, 0.60).get(k));
        status.latestCheckpoint = "/workspace/runs/default/demo/iter-3/model";
        status.bestIteration = 1;
        status.bestCheckpoint = "/workspace/runs/default/demo/iter-1/model";
        assertEquals(List.of("Succeeded.",
                "Best checkpoint (use this one): /home/me/ws/runs/default/demo/iter-1/model (iteration 1, held-out accuracy 0.7100)",
                "Latest checkpoint: /home/me/ws/runs/default/demo/iter-3/model (the last round's held-out accuracy 0.6000; "
                        + "not better on the validation pairs)"),
                RunSummary.succeeded(status, WS));
    }

    /** The accuracy shown is the one the best checkpoint was ranked by: the trained model's own, when rounds report it. */
    @Test
    void theHeldOutAccuracyShownIsThePolicysOwnWhenEveryRoundReportsIt() {
        AlignmentRunStatus status = status("AllIterationsSucceeded", "the seed round and 1 iterations succeeded");
        for (int k = 0; k <= 1; k++) {
            round(status, k, 0.70);
            status.iteration(k).metrics = Map.of("validation_accuracy", 0.70, "validation_policy_accuracy", List.of(0.55, 0.61).get(k));
        }
        status.latestCheckpoint = "/workspace/runs/default/demo/iter-1/model";
        status.bestIteration = 1;
        status.bestCheckpoint = status.latestCheckpoint;
        assertEquals("Best and latest checkpoint (use this one): /home/me/ws/runs/default/demo/iter-1/model (iteration 1, "
                + "held-out accuracy 0.6100)", RunSummary.succeeded(status, WS).get(1));
    }

    /**
     * Without seedPreferences the guard can stop iteration 1 before anything trained: latestCheckpoint is null (was a
     * NullPointerException and exit 1), and the reason was never printed.
     */
    @Test
    void aGuardStopBeforeAnyTrainingPrintsTheReasonAndNoCheckpoint() {
        String reason = Guard.stopped(1, 0.41, 0.6) + " and the run stopped";
        AlignmentRunStatus status = status("JudgeAccuracyBelowThreshold", reason);
        assertEquals(List.of("Succeeded, stopped early (JudgeAccuracyBelowThreshold): " + reason,
                "No checkpoint: no round trained a model; the base model is unchanged."), RunSummary.succeeded(status, WS));
    }

    @Test
    void withoutValidationPairsTheLatestCheckpointIsNamedAndWhyThereIsNoBest() {
        AlignmentRunStatus status = status("AllIterationsSucceeded", "the seed round and 1 iterations succeeded");
        status.latestCheckpoint = "/workspace/runs/default/demo/iter-1/model";
        assertEquals(List.of("Succeeded.", "Latest checkpoint: /home/me/ws/runs/default/demo/iter-1/model (no best one: the run "
                + "has no data.validationPreferences to compare rounds on)"), RunSummary.succeeded(status, WS));
    }

    private static AlignmentRunStatus status(String reason, String message) {
        AlignmentRunStatus status = new AlignmentRunStatus();
        status.phase = RunPhase.SUCCEEDED;
        status.conditions = new ArrayList<>(List.of(new ConditionBuilder().withType("Complete").withStatus("True")
                .withReason(reason).withMessage(message).build()));
        return status;
    }

    private static void round(AlignmentRunStatus status, int k, double validationAccuracy) {
        IterationStatus it = status.iteration(k);
        it.phase = RunPhase.SUCCEEDED;
        it.checkpoint = "/workspace/runs/default/demo/iter-" + k + "/model";
        it.metrics = Map.of("validation_accuracy", validationAccuracy);
    }
}
