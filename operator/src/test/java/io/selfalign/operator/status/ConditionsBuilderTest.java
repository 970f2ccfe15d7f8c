package io.selfalign.operator.status;

import io.selfalign.api.v1alpha1.RunPhase;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConditionsBuilderTest {
    static Map<String, Condition> byType(List<Condition> conditions) {
        return conditions.stream().collect(Collectors.toMap(Condition::getType, c -> c));
    }

    @Test
    void failedRunIsNotCompleteSoWaitingForCompleteEnds() {
        var c = byType(ConditionsBuilder.build(new ConditionsBuilder.RunState(RunPhase.FAILED, List.of(), 2, 3,
                "BackoffLimitExceeded", "iteration 2: Job failed", null, null), null, 4, Instant.EPOCH));
        assertEquals("True", c.get("Failed").getStatus());
        assertEquals("BackoffLimitExceeded", c.get("Failed").getReason());
        assertEquals("False", c.get("Complete").getStatus());
        assertEquals("False", c.get("Progressing").getStatus());
        assertEquals(4L, c.get("Complete").getObservedGeneration());
    }

    @Test
    void transitionTimeChangesOnlyWithTheStatus() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Instant t1 = t0.plusSeconds(60);
        var first = ConditionsBuilder.build(new ConditionsBuilder.RunState(RunPhase.RUNNING, List.of(), 0, 3, null, null, null, null), null, 1, t0);
        var second = byType(ConditionsBuilder.build(new ConditionsBuilder.RunState(RunPhase.SUCCEEDED, List.of(), 3, 3, null, null, null, null),
                first, 1, t1));
        assertEquals(t0.toString(), second.get("SpecValid").getLastTransitionTime());
        assertEquals(t1.toString(), second.get("Complete").getLastTransitionTime());
        assertEquals(t1.toString(), second.get("Progressing").getLastTransitionTime());
    }

    @Test
    void invalidSpecStopsProgress() {
        var c = byType(ConditionsBuilder.build(new ConditionsBuilder.RunState(RunPhase.PENDING, List.of("spec.iterations: must be >= 1"),
                null, 0, null, null, null, null), null, 1, Instant.EPOCH));
        assertEquals("False", c.get("SpecValid").getStatus());
        assertEquals("spec.iterations: must be >= 1", c.get("SpecValid").getMessage());
        assertEquals("SpecInvalid", c.get("Progressing").getReason());
    }

    @Test
    void anEarlyStopIsCompleteWithItsReason() {
        var c = byType(ConditionsBuilder.build(new ConditionsBuilder.RunState(RunPhase.SUCCEEDED, List.of(), 2, 3, null, null,
                "JudgeAccuracyBelowThreshold", "iteration 2: judge accuracy 0.480 below 0.600"), null, 1, Instant.EPOCH));
        assertEquals("True", c.get("Complete").getStatus());
        assertEquals("JudgeAccuracyBelowThreshold", c.get("Complete").getReason());
        assertEquals("iteration 2: judge accuracy 0.480 below 0.600", c.get("Complete").getMessage());
        assertEquals("JudgeAccuracyBelowThreshold", c.get("Progressing").getReason());
        assertEquals("False", c.get("Failed").getStatus());
    }
}
