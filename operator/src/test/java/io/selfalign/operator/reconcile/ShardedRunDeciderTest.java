package io.selfalign.operator.reconcile;

import static io.selfalign.operator.reconcile.RunDeciderTest.NOW;
import static io.selfalign.operator.reconcile.RunDeciderTest.checkpoint;
import static io.selfalign.operator.reconcile.RunDeciderTest.condition;
import static io.selfalign.operator.reconcile.RunDeciderTest.job;
import static io.selfalign.operator.reconcile.RunDeciderTest.observe;
import static io.selfalign.operator.reconcile.RunDeciderTest.pod;
import static io.selfalign.operator.reconcile.RunDeciderTest.recorded;
import static io.selfalign.operator.reconcile.RunDeciderTest.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.reconcile.RunAction.CountShards;
import io.selfalign.operator.reconcile.RunAction.SetJobSuspended;
import io.selfalign.operator.reconcile.RunAction.StartRound;
import io.selfalign.operator.reconcile.RunAction.StartShards;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.status.ConditionsBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A sharded round's two steps in the decision: the generate stage's Indexed Job, then the training Job. */
class ShardedRunDeciderTest {
    /** A run of one iteration after its seed round, with {@code generation.shards} 4. */
    static AlignmentRun run() {
        AlignmentRun run = RunDeciderTest.run(1);
        run.getSpec().generation.shards = 4;
        return run;
    }

    /** Iteration 1's generate stage: 4 completions, the given completed indexes, and a condition or none. */
    static Job shardJob(AlignmentRun run, String completedIndexes, String condition) {
        Job job = job(run, 1, condition);
        job.getMetadata().setName(Rounds.shardJobName("r", 1));
        job.getMetadata().setLabels(Map.of(Rounds.RUN_LABEL, "r", Rounds.ITERATION_LABEL, "1", Rounds.STAGE_LABEL, Rounds.STAGE_GENERATE));
        job.getSpec().setCompletions(4);
        job.getSpec().setCompletionMode("Indexed");
        job.getStatus().setCompletedIndexes(completedIndexes);
        job.getStatus().setStartTime("2026-11-29T11:00:00Z");
        if ("Complete".equals(condition)) job.getStatus().setCompletionTime("2026-11-29T11:20:30Z");
        if ("Failed".equals(condition)) {
            job.getStatus().setConditions(List.of(new JobConditionBuilder().withType("Failed").withStatus("True")
                    .withReason("MaxFailedIndexesExceeded").withMessage("Job has exceeded the specified maximal number of failed indexes").build()));
        }
        return job;
    }

    private static RunObservation observed(AlignmentRun run, Object... more) {
        Object[] all = new Object[more.length + 2];
        all[0] = job(run, 0, "Complete");
        all[1] = pod(run, 0, "Succeeded", 0, result(run, 0));
        System.arraycopy(more, 0, all, 2, more.length);
        return observe(run, all);
    }

    @Test
    void aShardedIterationStartsWithItsGenerateStage() {
        AlignmentRun run = run();
        RunDecision d = RunDecider.decide(run, List.of(), observed(run), NOW);
        IterationStatus one = d.status().findIteration(1);
        assertEquals(RunPhase.PENDING, one.phase);
        assertEquals("r-gen-1", one.job);
        assertEquals("Generating 0/4 shards", one.stage);
        assertEquals(new StartShards(1), d.actions().get(d.actions().size() - 1));
        assertTrue(d.actions().contains(new CountShards(0, 4)));
        assertEquals(checkpoint(run, 0), d.status().latestCheckpoint, "iteration 0 was recorded first");
    }

    @Test
    void runningShardsShowTheirProgressAndFollowSuspension() {
        AlignmentRun run = run();
        RunDecision d = RunDecider.decide(run, List.of(), observed(run, shardJob(run, "0,2-3", null)), NOW);
        IterationStatus one = d.status().findIteration(1);
        assertEquals(RunPhase.RUNNING, one.phase);
        assertEquals("Generating 3/4 shards", one.stage);
        assertTrue(d.actions().contains(new CountShards(3, 4)));
        assertTrue(d.actions().stream().noneMatch(a -> a instanceof StartRound || a instanceof StartShards), d.actions().toString());

        run.getSpec().suspend = true;
        Job running = shardJob(run, "0", null);
        RunDecision suspended = RunDecider.decide(run, List.of(), observed(run, running), NOW);
        assertTrue(suspended.actions().contains(new SetJobSuspended(running, true)), suspended.actions().toString());
        assertEquals(RunPhase.SUSPENDED, suspended.status().phase);
    }

    @Test
    void finishedShardsStartTheTrainingJobWithTheGenerateStagesDuration() {
        AlignmentRun run = run();
        RunDecision d = RunDecider.decide(run, List.of(), observed(run, shardJob(run, "0-3", "Complete")), NOW);
        IterationStatus one = d.status().findIteration(1);
        assertEquals("Training", one.stage);
        assertEquals("r-iter-1", one.job);
        assertEquals(Map.of("generate", 1230.0), one.stageSeconds);
        assertEquals(new StartRound(1), d.actions().get(d.actions().size() - 1));

        // The training Job succeeds: the stage is over and its duration (the trainer's own) is kept beside the other.
        AlignmentRun later = recorded(run, d);
        RunDecision done = RunDecider.decide(later, List.of(), observed(later, shardJob(run, "0-3", "Complete"), job(run, 1, "Complete"),
                pod(run, 1, "Succeeded", 0, result(run, 1))), NOW.plusSeconds(600));
        IterationStatus finished = done.status().findIteration(1);
        assertEquals(RunPhase.SUCCEEDED, finished.phase);
        assertNull(finished.stage);
        assertEquals(Map.of("generate", 1230.0, "train", 1.5), finished.stageSeconds);
        assertEquals(RunPhase.SUCCEEDED, done.status().phase);
    }

    @Test
    void theTrainingStageIsReadFromTheJobsNotFromARecordedStatus() {
        AlignmentRun run = run(); // no status recorded: a reconcile that saw neither earlier write
        RunDecision d = RunDecider.decide(run, List.of(), observed(run, shardJob(run, "0-3", "Complete"), job(run, 1, null)), NOW);
        IterationStatus one = d.status().findIteration(1);
        assertEquals(RunPhase.RUNNING, one.phase);
        assertEquals("Training", one.stage);
        assertEquals(Map.of("generate", 1230.0), one.stageSeconds);
        assertTrue(d.actions().stream().noneMatch(a -> a instanceof StartRound || a instanceof StartShards), d.actions().toString());
    }

    @Test
    void aFailedShardFailsTheRoundBeforeAnyTraining() {
        AlignmentRun run = run();
        RunDecision d = RunDecider.decide(run, List.of(), observed(run, shardJob(run, "0,1,3", "Failed")), NOW);
        assertEquals(RunPhase.FAILED, d.status().phase);
        assertEquals("Generating 3/4 shards", d.status().findIteration(1).stage, "where it stopped");
        String message = condition(d.status(), ConditionsBuilder.FAILED).getMessage();
        assertTrue(message.startsWith("iteration 1: Job r-gen-1 failed (MaxFailedIndexesExceeded)"), message);
        assertTrue(d.actions().stream().noneMatch(a -> a instanceof StartRound), d.actions().toString());
    }

    /**
     * Shard 1 failed once with a CUDA error and was retried; shard 2 ran out of memory on every attempt and failed the
     * stage. The message names shard 2's pod, not the latest failed pod of the Job.
     */
    @Test
    void theFailedShardIsBlamedNotTheLatestFailedPodOfAnotherShard() {
        AlignmentRun run = run();
        Job job = shardJob(run, "0,1,3", "Failed");
        job.getStatus().setFailedIndexes("2");
        Pod oom = shardPod(run, 2, "r-gen-1-2-aaaaa", "2026-11-29T11:05:00Z", 137, "OOMKilled");
        Pod retried = shardPod(run, 1, "r-gen-1-1-bbbbb", "2026-11-29T11:10:00Z", 1, "CUDA error");
        RunDecision d = RunDecider.decide(run, List.of(), observed(run, job, oom, retried), NOW);
        String message = condition(d.status(), ConditionsBuilder.FAILED).getMessage();
        assertTrue(message.contains("last pod r-gen-1-2-aaaaa exited with code 137"), message);

        // A FailJob rule's message names the pod: that one is blamed.
        job.getStatus().setFailedIndexes(null);
        job.getStatus().getConditions().get(0).setMessage("Container trainer for pod team-a/r-gen-1-2-aaaaa failed with exit code 137 "
                + "matching FailJob rule at index 2");
        d = RunDecider.decide(run, List.of(), observed(run, job, oom, retried), NOW);
        message = condition(d.status(), ConditionsBuilder.FAILED).getMessage();
        assertTrue(message.contains("last pod r-gen-1-2-aaaaa exited with code 137"), message);
    }

    static Pod shardPod(AlignmentRun run, int index, String name, String created, int exitCode, String message) {
        Pod p = pod(run, 1, "Failed", exitCode, message);
        p.getMetadata().setName(name);
        p.getMetadata().setCreationTimestamp(created);
        p.getMetadata().setLabels(Map.of(Rounds.RUN_LABEL, "r", Rounds.ITERATION_LABEL, "1", Rounds.STAGE_LABEL, Rounds.STAGE_GENERATE,
                "batch.kubernetes.io/job-completion-index", Integer.toString(index)));
        return p;
    }
}
