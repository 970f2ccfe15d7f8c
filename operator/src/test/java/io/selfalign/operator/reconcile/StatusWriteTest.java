package io.selfalign.operator.reconcile;

import static io.selfalign.operator.testing.OperatorHarness.run;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.api.v1alpha1.RunPhase;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a conflicting status write may be repeated on the server's copy: only when the decision's input is unchanged. */
class StatusWriteTest {
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    static AlignmentRun read() {
        AlignmentRun r = run("contended", 1);
        r.getMetadata().setGeneration(3L);
        r.getMetadata().setResourceVersion("100");
        r.setStatus(new AlignmentRunStatus());
        r.getStatus().phase = RunPhase.RUNNING;
        r.getStatus().currentIteration = 0;
        return r;
    }

    static AlignmentRun copy(AlignmentRun r) {
        return SERIALIZATION.clone(r);
    }

    @Test
    void aChangeOfMetadataOnlyLeavesTheDecisionStanding() {
        AlignmentRun current = copy(read());
        current.getMetadata().setResourceVersion("101");
        current.getMetadata().setAnnotations(Map.of("someone/else", "wrote"));
        current.getMetadata().setLabels(Map.of("team", "a"));
        assertTrue(StatusWrite.sameDecisionInput(3L, read().getStatus(), current));
    }

    @Test
    void aNewSpecGenerationOrAnotherStatusMeansDecidingAgain() {
        AlignmentRun newSpec = copy(read());
        newSpec.getMetadata().setGeneration(4L);
        assertFalse(StatusWrite.sameDecisionInput(3L, read().getStatus(), newSpec), "the spec changed: the decision may no longer hold");

        AlignmentRun otherStatus = copy(read());
        otherStatus.getStatus().currentIteration = 1;
        assertFalse(StatusWrite.sameDecisionInput(3L, read().getStatus(), otherStatus), "someone else wrote the status: do not overwrite it blindly");
    }
}
