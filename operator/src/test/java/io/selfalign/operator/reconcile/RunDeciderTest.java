package io.selfalign.operator.reconcile;

import io.selfalign.api.round.RoundContract;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.operator.events.RunEvents;
import io.selfalign.operator.reconcile.RunAction.CountRoundFailed;
import io.selfalign.operator.reconcile.RunAction.CountRoundSucceeded;
import io.selfalign.operator.reconcile.RunAction.Emit;
import io.selfalign.operator.reconcile.RunAction.SetJobSuspended;
import io.selfalign.operator.reconcile.RunAction.StartRound;
import io.selfalign.operator.round.RoundResources;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.status.ConditionsBuilder;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.OperatorHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reconciler's decision without an API server: a run and its observed Jobs and pods in, status and actions out. */
class RunDeciderTest {
    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @Test
    void aNewRunRecordsItsFirstRoundAsPendingAndStartsIt() {
        AlignmentRun run = run(2);
        RunDecision d = RunDecider.decide(run, List.of(), observe(run), NOW);

        assertEquals(List.of(new StartRound(0)), d.actions());
        AlignmentRunStatus s = d.status();
        assertEquals(RunPhase.RUNNING, s.phase);
        assertEquals(0, s.currentIteration);
        assertEquals(0, s.completedIterations);
        assertEquals(1L, s.observedGeneration);
        assertEquals(NOW.toString(), s.startTime);
        assertEquals("shared", s.workspaceClaim);
        IterationStatus zero = s.findIteration(0);
        assertEquals(RunPhase.PENDING, zero.phase);
        assertEquals("r-iter-0", zero.job);
        assertEquals(0, zero.attempts);
        assertEquals("True", condition(s, ConditionsBuilder.PROGRESSING).getStatus());
        assertNull(run.getStatus(), "the run itself is not changed");
    }

    @Test
    void aSucceededRoundIsRecordedCountedAndTheNextOneStarted() {
        AlignmentRun run = recorded(run(2), RunDecider.decide(run(2), List.of(), observe(run(2)), NOW));
        Job job = job(run, 0, "Complete");
        RunDecision d = RunDecider.decide(run, List.of(), observe(run, job, pod(run, 0, "Succeeded", 0, result(run, 0))), NOW);

        IterationStatus zero = d.status().findIteration(0);
        assertEquals(RunPhase.SUCCEEDED, zero.phase);
        assertEquals(checkpoint(run, 0), zero.checkpoint);
        assertEquals(Map.of("pairs", 100.0), zero.metrics);
        assertEquals(1, zero.attempts);
        assertEquals(checkpoint(run, 0), d.status().latestCheckpoint);
        assertEquals(1, d.status().completedIterations);
        assertEquals(RunPhase.PENDING, d.status().findIteration(1).phase);
        assertEquals(1, d.status().currentIteration);
        assertEquals(List.of(
                new CountRoundSucceeded(Duration.ofMillis(1500), Map.of("pairs", 100.0)),
                Emit.normal(RunEvents.ROUND_SUCCEEDED, "iteration 0 succeeded: checkpoint " + checkpoint(run, 0) + "; round 0 done"),
                new StartRound(1)), d.actions());
    }

    @Test
    void aGuardStoppedRoundWhoseMetricsWereCompactedAwayStillStopsTheRun() {
        AlignmentRun run = run(2);
        run.getSpec().guard.minJudgeAccuracy = 0.6;
        List<Job> jobs = List.of(job(run, 0, "Complete"), job(run, 1, "Complete"));
        // What an oversized result's termination message keeps: the typed fields, no checkpoint, no metrics.
        String stopped = "{\"durationSeconds\":1.5,\"guardStopped\":true,\"iteration\":1,\"judgeAccuracy\":0.41,\"specHash\":\"hash-1\",\"version\":1}";
        List<Pod> pods = List.of(pod(run, 0, "Succeeded", 0, result(run, 0)), pod(run, 1, "Succeeded", 0, stopped));
        RunDecision d = RunDecider.decide(run, List.of(), new RunObservation(run, jobs, pods), NOW);

        assertEquals(RunPhase.SUCCEEDED, d.status().phase);
        assertEquals(RunPhase.SUCCEEDED, d.status().findIteration(1).phase);
        assertEquals(0.41, d.status().judgeAccuracy);
        assertEquals(checkpoint(run, 0), d.status().latestCheckpoint);
        Condition complete = condition(d.status(), ConditionsBuilder.COMPLETE);
        assertEquals(RunEvents.JUDGE_ACCURACY_BELOW_THRESHOLD, complete.getReason());
        assertEquals("iteration 1: judge accuracy 0.410 on the validation pairs is below guard.minJudgeAccuracy 0.600; "
                + "the round did not train and the run stopped", complete.getMessage());
        assertTrue(d.actions().stream().noneMatch(a -> a instanceof StartRound), d.actions().toString());
    }

    /** keyecho seed 0 of the benchmark: validation accuracy 0.66, 0.67, then 0.58 — significant on 200 pairs. */
    @Test
    void aSignificantValidationDeclineEndsTheRunAndTheBestIsTheLatestWithinNoise() {
        AlignmentRun run = run(3);
        run.getSpec().data.validationPreferences = "data/validation.jsonl";
        run.getSpec().guard.stopOnDecline = true;
        double[] accuracy = {0.66, 0.67, 0.58};
        List<Job> jobs = new ArrayList<>();
        List<Pod> pods = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            jobs.add(job(run, k, "Complete"));
            pods.add(pod(run, k, "Succeeded", 0, RoundJson.write(new RoundResult(1, k, "hash-" + k, checkpoint(run, k), 1.5,
                    Map.of("validation_accuracy", accuracy[k], "validation_pairs", 200.0), "round " + k + " done"))));
        }
        RunDecision d = RunDecider.decide(run, List.of(), new RunObservation(run, jobs, pods), NOW);

        assertEquals(RunPhase.SUCCEEDED, d.status().phase);
        assertEquals(1, d.status().bestIteration);
        assertEquals(checkpoint(run, 1), d.status().bestCheckpoint);
        assertEquals(checkpoint(run, 2), d.status().latestCheckpoint);
        Condition complete = condition(d.status(), ConditionsBuilder.COMPLETE);
        assertEquals(RunEvents.VALIDATION_DECLINED, complete.getReason());
        assertEquals("iteration 2: held-out accuracy 0.580 is significantly below iteration 1's 0.670 (guard.stopOnDecline); "
                + "no later round started", complete.getMessage());
        assertTrue(d.actions().stream().noneMatch(a -> a instanceof StartRound), d.actions().toString());

        run.getSpec().guard.stopOnDecline = null;
        RunDecision off = RunDecider.decide(run, List.of(), new RunObservation(run, jobs, pods), NOW);
        assertTrue(off.actions().contains(new StartRound(3)), "without the guard the run goes on: " + off.actions());
    }

    @Test
    void theLastSucceededRoundCompletesTheRunOnce() {
        AlignmentRun run = run(1);
        List<Job> jobs = List.of(job(run, 0, "Complete"), job(run, 1, "Complete"));
        List<Pod> pods = List.of(pod(run, 0, "Succeeded", 0, result(run, 0)), pod(run, 1, "Succeeded", 0, result(run, 1)));
        RunDecision d = RunDecider.decide(run, List.of(), new RunObservation(run, jobs, pods), NOW);

        assertEquals(RunPhase.SUCCEEDED, d.status().phase);
        assertEquals(2, d.status().completedIterations);
        assertEquals(NOW.toString(), d.status().completionTime);
        assertEquals("True", condition(d.status(), ConditionsBuilder.COMPLETE).getStatus());
        assertEquals(Emit.normal(RunEvents.RUN_COMPLETE, "all 2 rounds succeeded; latest checkpoint " + checkpoint(run, 1)),
                d.actions().get(d.actions().size() - 1));

        RunDecision again = RunDecider.decide(recorded(run, d), List.of(), new RunObservation(run, jobs, pods), NOW.plusSeconds(5));
        assertEquals(List.of(), again.actions(), "nothing is counted or announced twice");
        assertEquals(d.status().conditions, again.status().conditions, "no condition changes, so no transition times move");
    }

    @Test
    void anInvalidInputExitFailsTheRunWithTheTrainersMessage() {
        AlignmentRun run = run(2);
        Job job = job(run, 0, "Failed");
        RunDecision d = RunDecider.decide(run, List.of(), observe(run, job, pod(run, 0, "Failed", 78, "bad seed file")), NOW);

        assertEquals(RunPhase.FAILED, d.status().phase);
        assertEquals(RunPhase.FAILED, d.status().findIteration(0).phase);
        assertEquals(NOW.toString(), d.status().completionTime);
        Condition failed = condition(d.status(), ConditionsBuilder.FAILED);
        assertEquals("True", failed.getStatus());
        assertEquals("PodFailurePolicy", failed.getReason());
        assertTrue(failed.getMessage().startsWith("iteration 0: Job r-iter-0 failed (PodFailurePolicy)"), failed.getMessage());
        assertTrue(failed.getMessage().endsWith("exited with code 78: bad seed file"), failed.getMessage());
        assertEquals(List.of(new CountRoundFailed("PodFailurePolicy"), Emit.warning(RunEvents.ROUND_FAILED, failed.getMessage())),
                d.actions());

        RunDecision later = RunDecider.decide(recorded(run, d), List.of(), observe(run), NOW.plusSeconds(60));
        assertEquals(List.of(), later.actions(), "a failed run starts nothing, even when its Job is gone");
        assertEquals(failed.getMessage(), condition(later.status(), ConditionsBuilder.FAILED).getMessage(), "and keeps explaining itself");
    }

    @Test
    void anInvalidSpecStartsNothingAndIsAnnouncedOncePerGeneration() {
        AlignmentRun run = run(2);
        List<String> problems = List.of("spec.training.microBatchSize: must divide batchSize");
        RunDecision d = RunDecider.decide(run, problems, observe(run), NOW);

        assertEquals(List.of(Emit.warning(RunEvents.SPEC_INVALID, problems.get(0))), d.actions());
        assertEquals(RunPhase.PENDING, d.status().phase);
        assertEquals("False", condition(d.status(), ConditionsBuilder.SPEC_VALID).getStatus());

        AlignmentRun same = recorded(run, d);
        assertEquals(List.of(), RunDecider.decide(same, problems, observe(same), NOW).actions());
        same.getMetadata().setGeneration(2L);
        assertEquals(d.actions(), RunDecider.decide(same, problems, observe(same), NOW).actions(), "a new generation, still invalid");
    }

    @Test
    void suspendingARunningRoundSuspendsItsJobAndResumingResumesIt() {
        AlignmentRun run = run(2);
        run.getSpec().suspend = true;
        Job running = job(run, 0, null);
        RunDecision d = RunDecider.decide(run, List.of(), observe(run, running), NOW);

        assertEquals(List.of(new SetJobSuspended(running, true), Emit.normal(RunEvents.RUN_SUSPENDED, "suspended before iteration 0")),
                d.actions());
        assertEquals(RunPhase.SUSPENDED, d.status().phase);
        assertEquals(RunPhase.SUSPENDED, d.status().findIteration(0).phase);

        AlignmentRun resumed = recorded(run, d);
        resumed.getSpec().suspend = false;
        Job suspended = job(run, 0, null);
        suspended.getSpec().setSuspend(true);
        RunDecision r = RunDecider.decide(resumed, List.of(), observe(resumed, suspended), NOW);
        assertEquals(List.of(new SetJobSuspended(suspended, false), Emit.normal(RunEvents.RUN_RESUMED, "iteration 0 resumed")),
                r.actions());
        assertEquals(RunPhase.RUNNING, r.status().phase);
    }

    @Test
    void withoutSeedPreferencesTheSeedRoundIsSkippedAndIterationOneStarts() {
        AlignmentRun run = run(1);
        run.getSpec().data.seedPreferences = null;
        RunDecision d = RunDecider.decide(run, List.of(), observe(run), NOW);

        assertEquals(List.of(Emit.normal(RunEvents.ROUND_SKIPPED, "iteration 0 skipped: " + RunDecider.SEED_SKIPPED), new StartRound(1)),
                d.actions());
        assertEquals(RunPhase.SUCCEEDED, d.status().findIteration(0).phase);
        assertEquals(RunPhase.PENDING, d.status().findIteration(1).phase);
    }

    @Test
    void jobsOfAnotherRunWithTheSameNameAreNotThisRunsRounds() {
        AlignmentRun run = run(1);
        Job stale = job(run, 0, "Complete");
        stale.getMetadata().getOwnerReferences().get(0).setUid("uid-of-a-deleted-run");
        assertEquals(List.of(new StartRound(0)), RunDecider.decide(run, List.of(), observe(run, stale), NOW).actions());
    }

    @Test
    void aRejectedJobFailsTheRecordedRound() {
        AlignmentRun run = recorded(run(1), RunDecider.decide(run(1), List.of(), observe(run(1)), NOW));
        RunDecision d = RunDecider.jobRejected(run, 0, "r-iter-0", "spec.template: Invalid value", NOW);

        assertEquals(RunPhase.FAILED, d.status().phase);
        assertEquals("JobRejected", condition(d.status(), ConditionsBuilder.FAILED).getReason());
        assertEquals("iteration 0: Kubernetes rejected Job r-iter-0: spec.template: Invalid value",
                condition(d.status(), ConditionsBuilder.FAILED).getMessage());
        assertEquals(List.of(new CountRoundFailed("JobRejected"),
                Emit.warning(RunEvents.ROUND_FAILED, "iteration 0: Kubernetes rejected Job r-iter-0: spec.template: Invalid value")),
                d.actions());
    }

    /** Iteration 1 whose candidates all ran into maxNewTokens under judge.truncated: exclude made no pair. */
    @Test
    void aRoundWithoutPairsFailsTheRunNamingTheCauseAndTheFix() {
        AlignmentRun run = run(2);
        List<Job> jobs = List.of(job(run, 0, "Complete"), job(run, 1, "Complete"));
        String starved = RoundJson.write(new RoundResult(1, 1, "hash-1", checkpoint(run, 1), 1.5,
                Map.of("pairs", 0.0, "prompts", 100.0, "truncated", 1.0, "skipped_prompts", 100.0), "iteration 1: 0 pairs"));
        List<Pod> pods = List.of(pod(run, 0, "Succeeded", 0, result(run, 0)), pod(run, 1, "Succeeded", 0, starved));
        RunDecision d = RunDecider.decide(run, List.of(), new RunObservation(run, jobs, pods), NOW);

        assertEquals(RunPhase.FAILED, d.status().phase);
        assertEquals(RunPhase.FAILED, d.status().findIteration(1).phase);
        assertEquals(checkpoint(run, 0), d.status().latestCheckpoint, "the starved round's model is not the latest checkpoint");
        Condition failed = condition(d.status(), ConditionsBuilder.FAILED);
        assertEquals("TooFewPairs", failed.getReason());
        String expected = "iteration 1: the round made 0 training pairs from 100 prompts (fewer than 10%); 100 prompts had no pair; "
                + "100% of the responses reached generation.maxNewTokens (300) before EOS: judge.truncated: exclude never pairs a cut "
                + "response, so raise spec.generation.maxNewTokens or set spec.judge.truncated: keep. The run stopped instead of "
                + "training on nothing";
        assertEquals(expected, failed.getMessage());
        assertEquals("False", condition(d.status(), ConditionsBuilder.COMPLETE).getStatus());
        assertTrue(d.actions().contains(Emit.warning(RunEvents.ROUND_FAILED, expected)), d.actions().toString());
        assertTrue(d.actions().contains(new CountRoundFailed("TooFewPairs")), d.actions().toString());
        assertTrue(d.actions().stream().noneMatch(a -> a instanceof StartRound), "no round after it");
    }

    @Test
    void aRoundPairingUnderATenthOfItsPromptsFailsAndATenthIsEnough() {
        AlignmentRun run = run(1);
        List<Job> jobs = List.of(job(run, 0, "Complete"), job(run, 1, "Complete"));
        for (double pairs : new double[] {9, 10}) {
            String r = RoundJson.write(new RoundResult(1, 1, "hash-1", checkpoint(run, 1), 1.5,
                    Map.of("pairs", pairs, "prompts", 100.0, "truncated", 0.0, "skipped_prompts", 100 - pairs), "iteration 1"));
            List<Pod> pods = List.of(pod(run, 0, "Succeeded", 0, result(run, 0)), pod(run, 1, "Succeeded", 0, r));
            RunDecision d = RunDecider.decide(run, List.of(), new RunObservation(run, jobs, pods), NOW);
            assertEquals(pairs < 10 ? RunPhase.FAILED : RunPhase.SUCCEEDED, d.status().phase, "pairs " + pairs);
        }
    }

    /** Round 0 found the held-out pairs' prompts among the training prompts: a warning, once per run. */
    @Test
    void heldOutPairsOnTrainingPromptsAreWarnedAboutOnce() {
        AlignmentRun run = run(1);
        run.getSpec().data.validationPreferences = "data/validation.jsonl";
        List<Job> jobs = List.of(job(run, 0, "Complete"), job(run, 1, "Complete"));
        List<Pod> pods = new ArrayList<>();
        for (int k = 0; k <= 1; k++) {
            pods.add(pod(run, k, "Succeeded", 0, RoundJson.write(new RoundResult(1, k, "hash-" + k, checkpoint(run, k), 1.5,
                    Map.of("pairs", 100.0, "validation_prompt_overlap", 0.25), "round " + k + " done"))));
        }
        RunDecision d = RunDecider.decide(run, List.of(), new RunObservation(run, jobs, pods), NOW);
        String warning = "25% of spec.data.validationPreferences' pairs have a prompt the run trains on (spec.data.seedPreferences "
                + "or spec.data.prompts): judge_accuracy, validation_accuracy and bestIteration overstate accuracy on unseen prompts; "
                + "hold out pairs on prompts no round uses";
        assertEquals(List.of(Emit.warning("ValidationOverlap", "iteration 0: " + warning)),
                d.actions().stream().filter(a -> a instanceof Emit e && e.warning()).toList());
        assertEquals("round 0 done; warning: " + warning, d.status().findIteration(0).message);
        assertEquals(RunPhase.SUCCEEDED, d.status().phase, "a warning, not a failure");
    }

    static AlignmentRun run(int iterations) {
        AlignmentRun run = OperatorHarness.run("r", iterations);
        run.getMetadata().setUid("uid-1");
        run.getMetadata().setGeneration(1L);
        return run;
    }

    /** The run as the next reconciliation sees it after the decision's status was written. */
    static AlignmentRun recorded(AlignmentRun run, RunDecision decision) {
        AlignmentRun next = new KubernetesSerialization().clone(run);
        next.setStatus(decision.status());
        return next;
    }

    static RunObservation observe(AlignmentRun run, Object... jobsAndPods) {
        List<Job> jobs = new ArrayList<>();
        List<Pod> pods = new ArrayList<>();
        for (Object o : jobsAndPods) {
            if (o instanceof Job j) jobs.add(j);
            else pods.add((Pod) o);
        }
        return new RunObservation(run, jobs, pods);
    }

    /** Round k's Job as the Job controller leaves it; {@code condition} Complete, Failed or null (running). */
    static Job job(AlignmentRun run, int k, String condition) {
        Job job = new JobBuilder()
                .withNewMetadata().withName(Rounds.jobName("r", k)).withNamespace(OperatorHarness.NS)
                    .withLabels(Map.of(Rounds.RUN_LABEL, "r", Rounds.ITERATION_LABEL, Integer.toString(k)))
                    .withOwnerReferences(RoundResources.ownerReference(run))
                .endMetadata()
                .withNewSpec().withSuspend(false).endSpec()
                .withNewStatus().endStatus()
                .build();
        if (condition == null) {
            job.getStatus().setActive(1);
        } else {
            job.getStatus().setConditions(List.of(new JobConditionBuilder().withType(condition).withStatus("True")
                    .withReason("Failed".equals(condition) ? "PodFailurePolicy" : null).build()));
            if ("Complete".equals(condition)) job.getStatus().setSucceeded(1);
            else job.getStatus().setFailed(1);
        }
        return job;
    }

    static Pod pod(AlignmentRun run, int k, String phase, int exitCode, String terminationMessage) {
        return new PodBuilder()
                .withNewMetadata().withName(Rounds.jobName("r", k) + "-abcde").withNamespace(OperatorHarness.NS)
                    .withLabels(Map.of(Rounds.RUN_LABEL, "r", Rounds.ITERATION_LABEL, Integer.toString(k)))
                    .withCreationTimestamp(NOW.toString())
                .endMetadata()
                .withNewStatus().withPhase(phase)
                    .withContainerStatuses(new ContainerStatusBuilder().withName(Rounds.CONTAINER)
                            .withNewState().withNewTerminated().withExitCode(exitCode).withMessage(terminationMessage)
                            .endTerminated().endState().build())
                .endStatus()
                .build();
    }

    static String result(AlignmentRun run, int k) {
        return RoundJson.write(new RoundResult(1, k, "hash-" + k, checkpoint(run, k), 1.5, Map.of("pairs", 100.0), "round " + k + " done"));
    }

    static String checkpoint(AlignmentRun run, int k) {
        return RoundContract.outputDir(OperatorHarness.NS, "r", k) + "/model";
    }

    static Condition condition(AlignmentRunStatus status, String type) {
        return status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }
}
