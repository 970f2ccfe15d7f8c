package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a finished result's recorded input digests are compared with the current ones. */
class InputDigestsTest {
    static final String SEED = "/workspace/data/seed.jsonl";
    static final String POLICY = "/workspace/runs/a/b/iter-0/model" + InputDigests.MODEL;
    static final String GUIDANCE = "/workspace/runs/a/b/iter-0/guidance" + InputDigests.GUIDANCE;

    @Test
    void aGuidanceModelIsComparedOnlyWhenTheResultRecordedOne() {
        Map<String, String> current = Map.of(SEED, "s1", POLICY, "p1", GUIDANCE, "g1");
        assertEquals(Optional.empty(), InputDigests.firstChange(Map.of(SEED, "s1", POLICY, "p1"), current, "iteration 1"),
                "a result from before guidance models were digested is reused");
        assertEquals(Optional.empty(), InputDigests.firstChange(Map.of(SEED, "s1", POLICY, "p1", GUIDANCE, "g1"), current, "iteration 1"));
        Optional<String> changed = InputDigests.firstChange(Map.of(SEED, "s1", POLICY, "p1", GUIDANCE, "g0"), current, "iteration 1");
        assertTrue(changed.isPresent() && changed.get().startsWith(GUIDANCE + " changed since iteration 1 finished"), changed.toString());
    }

    @Test
    void theOtherInputsAreComparedWhetherOrNotAGuidanceModelWasRecorded() {
        Optional<String> changed = InputDigests.firstChange(Map.of(SEED, "s0", POLICY, "p1"), Map.of(SEED, "s1", POLICY, "p1", GUIDANCE, "g1"),
                "iteration 1");
        assertTrue(changed.isPresent() && changed.get().startsWith(SEED + " changed"), changed.toString());
    }
}
