package io.selfalign.operator.reconcile;

import static io.selfalign.operator.testing.OperatorHarness.NS;
import static io.selfalign.operator.testing.OperatorHarness.phase;
import static io.selfalign.operator.testing.OperatorHarness.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.OperatorHarness;
import io.selfalign.testkit.kubelet.PodEnd;
import io.selfalign.operator.round.RoundSpecs;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.testing.TestKubelet;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RunLifecycleTest {
    static OperatorHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new OperatorHarness();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    static String condition(AlignmentRun r, String type) {
        return r.getStatus().conditions.stream().filter(c -> c.getType().equals(type)).map(Condition::getStatus)
                .findFirst().orElse(null);
    }

    @Test
    void threeIterationsRunToCompleteWithMetricsInStatus() throws Exception {
        h.create(run("three", 3));
        AlignmentRun done = h.awaitRun("three", phase(RunPhase.SUCCEEDED));
        var st = done.getStatus();
        assertEquals(4, st.completedIterations);
        assertEquals(3, st.currentIteration);
        assertEquals("/workspace/runs/team-a/three/iter-3/model", st.latestCheckpoint);
        assertEquals("True", condition(done, "Complete"));
        assertEquals("False", condition(done, "Failed"));
        assertEquals("False", condition(done, "Progressing"));
        assertEquals("True", condition(done, "SpecValid"));
        assertNotNull(st.completionTime);
        for (int k = 0; k <= 3; k++) {
            IterationStatus it = st.iterations.get(k);
            assertEquals(k, it.index);
            assertEquals(RunPhase.SUCCEEDED, it.phase);
            assertEquals("three-iter-" + k, it.job);
            assertEquals(100.0 + k, it.metrics.get("pairs"));
            assertEquals(1, it.attempts);
        }
        // Round 2's round.json continues from round 1's model and takes the second prompt slice.
        RoundSpec r2 = RoundJson.readSpec(h.client.configMaps().inNamespace(NS).withName("three-iter-2").get()
                .getData().get("round.json"));
        assertEquals("/workspace/runs/team-a/three/iter-1/model", r2.paths().policyModel());
        assertEquals(100, r2.data().promptOffset());
        Job job = h.client.batch().v1().jobs().inNamespace(NS).withName("three-iter-0").get();
        assertEquals(done.getMetadata().getUid(), job.getMetadata().getOwnerReferences().get(0).getUid());
        assertEquals(4, h.client.batch().v1().jobs().inNamespace(NS).withLabel("selfalign.io/run", "three").list().getItems().size());
        // Events and metrics follow the status write that awaitRun saw, so they may land a moment later.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertTrue(h.client.v1().events().inNamespace(NS).list().getItems().stream()
                    .anyMatch(e -> "RunComplete".equals(e.getReason()) && "three".equals(e.getInvolvedObject().getName())));
            assertEquals(3.0, h.registry.get("selfalign.run.current.iteration").tag("run", "three").gauge().value());
            assertEquals(0.7, h.registry.get("selfalign.round.metric").tag("run", "three").tag("metric", "accuracy").gauge().value());
            assertEquals(1.0, h.registry.get("selfalign.run.phase").tag("run", "three").tag("phase", "Succeeded").gauge().value());
        });
    }

    /**
     * Iteration 2's judge is below the guard: the round does not train (no checkpoint), the run ends Succeeded
     * with the reason, iteration 3 never starts, and the best checkpoint is the later of the tied best (the more trained model).
     */
    @Test
    void theGuardEndsTheRunWhenTheJudgeFallsBelowTheThreshold() throws Exception {
        Map<Integer, Map<String, Double>> metrics = Map.of(
                0, Map.of("validation_accuracy", 0.66),
                1, Map.of("judge_accuracy", 0.66, "validation_accuracy", 0.66),
                2, Map.of("judge_accuracy", 0.55, "guard_stopped", 1.0));
        h.kubelet.script("guarded", (job, attempt) -> {
            int k = Integer.parseInt(job.getMetadata().getLabels().get(Rounds.ITERATION_LABEL));
            String checkpoint = k == 2 ? null : RoundContract.outputDir(NS, "guarded", k) + "/model";
            return new PodEnd.Succeed(RoundJson.write(new RoundResult(1, k, "hash-" + k, checkpoint, 1.0, metrics.get(k), "round " + k)));
        });
        AlignmentRun run = run("guarded", 3);
        run.getSpec().data.validationPreferences = "data/validation.jsonl";
        run.getSpec().guard.minJudgeAccuracy = 0.6;
        h.create(run);
        AlignmentRun done = h.awaitRun("guarded", phase(RunPhase.SUCCEEDED));
        var st = done.getStatus();
        assertEquals(2, st.currentIteration);
        assertEquals(1, st.bestIteration);
        assertEquals("/workspace/runs/team-a/guarded/iter-1/model", st.bestCheckpoint);
        assertEquals("/workspace/runs/team-a/guarded/iter-1/model", st.latestCheckpoint);
        assertEquals(0.55, st.judgeAccuracy);
        Condition complete = done.getStatus().conditions.stream().filter(c -> c.getType().equals("Complete")).findFirst().orElseThrow();
        assertEquals("True", complete.getStatus());
        assertEquals("JudgeAccuracyBelowThreshold", complete.getReason());
        assertEquals("iteration 2: judge accuracy 0.550 on the validation pairs is below guard.minJudgeAccuracy 0.600; "
                + "the round did not train and the run stopped", complete.getMessage());
        assertEquals("False", condition(done, "Failed"));
        assertEquals("/workspace/data/validation.jsonl", RoundJson.readSpec(h.client.configMaps().inNamespace(NS).withName("guarded-iter-1").get()
                .getData().get("round.json")).data().validationPreferences());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertTrue(h.client.v1().events().inNamespace(NS).list().getItems().stream()
                    .anyMatch(e -> "JudgeAccuracyBelowThreshold".equals(e.getReason()) && "guarded".equals(e.getInvolvedObject().getName())
                            && e.getMessage().contains("best checkpoint /workspace/runs/team-a/guarded/iter-1/model")));
            assertEquals(0.55, h.registry.get("selfalign.round.metric").tag("run", "guarded").tag("metric", "judge_accuracy").gauge().value());
        });
        assertNull(h.client.batch().v1().jobs().inNamespace(NS).withName("guarded-iter-3").get(), "no round after the guard");
    }

    @Test
    void retryableFailureThenSuccess() {
        h.kubelet.script("flaky", (job, attempt) -> job.getMetadata().getName().endsWith("iter-1") && attempt == 0
                ? new PodEnd.Fail(1, "CUDA error: an illegal memory access") : TestKubelet.success(job));
        h.create(run("flaky", 2));
        AlignmentRun done = h.awaitRun("flaky", phase(RunPhase.SUCCEEDED));
        assertEquals(2, done.getStatus().iterations.get(1).attempts);
        assertEquals(1, done.getStatus().iterations.get(2).attempts);
    }

    @Test
    void invalidInputExit78FailsWithoutRetry() {
        h.kubelet.script("bad-input", (job, attempt) -> job.getMetadata().getName().endsWith("iter-1")
                ? new PodEnd.Fail(78, "data.prompts: /workspace/data/prompts.jsonl line 3: not JSON") : TestKubelet.success(job));
        h.create(run("bad-input", 3));
        AlignmentRun failed = h.awaitRun("bad-input", phase(RunPhase.FAILED));
        assertEquals("True", condition(failed, "Failed"));
        assertEquals("False", condition(failed, "Complete"));
        Condition f = failed.getStatus().conditions.stream().filter(c -> c.getType().equals("Failed")).findFirst().orElseThrow();
        assertEquals("PodFailurePolicy", f.getReason());
        assertTrue(f.getMessage().contains("line 3: not JSON"), f.getMessage());
        assertEquals(1, failed.getStatus().iterations.get(1).attempts);
        assertEquals(RunPhase.FAILED, failed.getStatus().iterations.get(1).phase);
        assertEquals(null, h.client.batch().v1().jobs().inNamespace(NS).withName("bad-input-iter-2").get());
        assertEquals(1.0, h.registry.get("selfalign.round.failures").tag("run", "bad-input").tag("reason", "PodFailurePolicy")
                .counter().count());
    }

    @Test
    void retriesExhaustedFailTheRun() {
        h.kubelet.script("doomed", (job, attempt) -> new PodEnd.Fail(137, "OOMKilled"));
        AlignmentRun r = run("doomed", 1);
        r.getSpec().backoffLimit = 1;
        h.create(r);
        AlignmentRun failed = h.awaitRun("doomed", phase(RunPhase.FAILED));
        assertEquals(2, failed.getStatus().iterations.get(0).attempts);
        assertTrue(failed.getStatus().conditions.stream().anyMatch(c -> "BackoffLimitExceeded".equals(c.getReason())));
    }

    @Test
    void preemptionIsNotCountedAsFailure() {
        h.kubelet.script("preempted", (job, attempt) -> attempt < 3 && job.getMetadata().getName().endsWith("iter-0")
                ? new PodEnd.Disrupt() : TestKubelet.success(job));
        AlignmentRun r = run("preempted", 1);
        r.getSpec().backoffLimit = 0;
        h.create(r);
        AlignmentRun done = h.awaitRun("preempted", phase(RunPhase.SUCCEEDED));
        assertEquals(2, done.getStatus().completedIterations);
    }

    @Test
    void malformedTerminationMessageFailsTheRoundClearly() {
        h.kubelet.script("garbled", (job, attempt) -> new PodEnd.Succeed("Segmentation fault (core dumped)"));
        h.create(run("garbled", 1));
        AlignmentRun failed = h.awaitRun("garbled", phase(RunPhase.FAILED));
        Condition f = failed.getStatus().conditions.stream().filter(c -> c.getType().equals("Failed")).findFirst().orElseThrow();
        assertEquals("MalformedResult", f.getReason());
        assertTrue(f.getMessage().contains("not a round result"), f.getMessage());
    }

    /** iterations: 0 is DPO on the seed pairs alone: the seed round, then Succeeded. */
    @Test
    void aRunOfZeroIterationsIsTheSeedRoundAlone() {
        h.create(run("seed-only", 0));
        AlignmentRun done = h.awaitRun("seed-only", phase(RunPhase.SUCCEEDED));
        assertEquals(1, done.getStatus().completedIterations);
        assertEquals("/workspace/runs/team-a/seed-only/iter-0/model", done.getStatus().latestCheckpoint);
        Condition complete = done.getStatus().conditions.stream().filter(c -> c.getType().equals("Complete")).findFirst().orElseThrow();
        assertEquals("True", complete.getStatus());
        assertEquals("the seed round succeeded (spec.iterations is 0: no self-labelling)", complete.getMessage());
        assertNull(h.client.batch().v1().jobs().inNamespace(NS).withName("seed-only-iter-1").get());
    }

    /** Every candidate of iteration 1 ran into maxNewTokens (judge.truncated: exclude): no pairs, so the run fails saying why. */
    @Test
    void aRoundWithoutPairsFailsTheRunInsteadOfSucceeding() {
        h.kubelet.script("starved", (job, attempt) -> {
            int k = Integer.parseInt(job.getMetadata().getLabels().get(Rounds.ITERATION_LABEL));
            if (k == 0) return TestKubelet.success(job);
            return new PodEnd.Succeed(RoundJson.write(new RoundResult(1, k, "hash-" + k, RoundContract.outputDir(NS, "starved", k) + "/model",
                    1.0, Map.of("pairs", 0.0, "prompts", 100.0, "truncated", 1.0, "skipped_prompts", 100.0), "iteration 1: 0 pairs")));
        });
        h.create(run("starved", 2));
        AlignmentRun failed = h.awaitRun("starved", phase(RunPhase.FAILED));
        Condition f = failed.getStatus().conditions.stream().filter(c -> c.getType().equals("Failed")).findFirst().orElseThrow();
        assertEquals("TooFewPairs", f.getReason());
        assertTrue(f.getMessage().contains("raise spec.generation.maxNewTokens or set spec.judge.truncated: keep"), f.getMessage());
        assertEquals("/workspace/runs/team-a/starved/iter-0/model", failed.getStatus().latestCheckpoint);
        assertNull(h.client.batch().v1().jobs().inNamespace(NS).withName("starved-iter-2").get());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(h.client.v1().events().inNamespace(NS).list().getItems()
                .stream().anyMatch(e -> "Warning".equals(e.getType()) && "RoundFailed".equals(e.getReason())
                        && "starved".equals(e.getInvolvedObject().getName()) && e.getMessage().contains("made 0 training pairs"))));
    }

    @Test
    void missingSeedPreferencesSkipsIterationZero() throws Exception {
        AlignmentRun r = run("no-seed", 2);
        r.getSpec().data.seedPreferences = null;
        h.create(r);
        AlignmentRun done = h.awaitRun("no-seed", phase(RunPhase.SUCCEEDED));
        IterationStatus zero = done.getStatus().iterations.get(0);
        assertEquals(RunPhase.SUCCEEDED, zero.phase);
        assertEquals(RunDecider.SEED_SKIPPED, zero.message);
        assertEquals(null, zero.job);
        assertEquals(null, h.client.batch().v1().jobs().inNamespace(NS).withName("no-seed-iter-0").get());
        RoundSpec r1 = RoundJson.readSpec(h.client.configMaps().inNamespace(NS).withName("no-seed-iter-1").get()
                .getData().get("round.json"));
        assertEquals("/workspace/models/sft", r1.paths().policyModel());
    }

    @Test
    void suspendStopsTheRoundAndResumeContinuesIt() {
        AtomicBoolean resumed = new AtomicBoolean();
        h.kubelet.script("pausable", (job, attempt) -> job.getMetadata().getName().endsWith("iter-1") && !resumed.get()
                ? TestKubelet.HANG : TestKubelet.success(job));
        h.create(run("pausable", 2));
        h.awaitRun("pausable", r -> r.getStatus().currentIteration != null && r.getStatus().currentIteration == 1
                && RunPhase.RUNNING.equals(r.getStatus().iterations.get(1).phase));
        h.editSpec("pausable", s -> s.suspend = true);
        AlignmentRun suspended = h.awaitRun("pausable", phase(RunPhase.SUSPENDED));
        assertEquals("True", condition(suspended, "Suspended"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Boolean.TRUE.equals(job("pausable-iter-1").getSpec().getSuspend())
                && pods("pausable-iter-1") == 0);
        resumed.set(true);
        h.editSpec("pausable", s -> s.suspend = false);
        AlignmentRun done = h.awaitRun("pausable", phase(RunPhase.SUCCEEDED));
        assertEquals("False", condition(done, "Suspended"));
        assertEquals(3, done.getStatus().completedIterations);
        assertEquals(1, h.client.batch().v1().jobs().inNamespace(NS).withLabel("selfalign.io/iteration", "1")
                .withLabel("selfalign.io/run", "pausable").list().getItems().size());
    }

    @Test
    void suspendedBeforeStartCreatesNothingUntilResumed() {
        AlignmentRun r = run("held", 1);
        r.getSpec().suspend = true;
        h.create(r);
        h.awaitRun("held", phase(RunPhase.SUSPENDED));
        assertEquals(null, job("held-iter-0"));
        h.editSpec("held", s -> s.suspend = false);
        h.awaitRun("held", phase(RunPhase.SUCCEEDED));
    }

    @Test
    void newOperatorInstanceAdoptsTheRunningRound() {
        h.kubelet.script("adopt", (job, attempt) -> job.getMetadata().getName().endsWith("iter-1")
                ? TestKubelet.HANG : TestKubelet.success(job));
        h.create(run("adopt", 2));
        h.awaitRun("adopt", r -> r.getStatus().iterations != null && r.getStatus().iterations.size() == 2
                && RunPhase.RUNNING.equals(r.getStatus().iterations.get(1).phase));
        h.stopOperator();
        h.startOperator();
        h.kubelet.finish(NS, "adopt-iter-1", TestKubelet.success(job("adopt-iter-1")));
        AlignmentRun done = h.awaitRun("adopt", phase(RunPhase.SUCCEEDED));
        assertEquals(1, done.getStatus().iterations.get(1).attempts);
        assertEquals(1, pods("adopt-iter-1"));
        assertEquals(3, h.client.batch().v1().jobs().inNamespace(NS).withLabel("selfalign.io/run", "adopt").list().getItems().size());
    }

    @Test
    void deletingARunMidRoundRemovesWhatItOwns() {
        h.kubelet.script("doomed-delete", (job, attempt) -> TestKubelet.HANG);
        AlignmentRun r = run("doomed-delete", 2);
        r.getSpec().workspace.claimName = null;
        r.getSpec().workspace.storageClassName = "fast";
        r.getSpec().workspace.size = "10Gi";
        h.create(r);
        await().atMost(Duration.ofSeconds(10)).until(() -> job("doomed-delete-iter-0") != null && pods("doomed-delete-iter-0") == 1);
        assertNotNull(h.client.persistentVolumeClaims().inNamespace(NS).withName("doomed-delete-workspace").get());
        h.client.resource(h.get("doomed-delete")).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> h.get("doomed-delete") == null);
        assertEquals(null, job("doomed-delete-iter-0"));
        assertEquals(0, pods("doomed-delete-iter-0"));
        assertEquals(null, h.client.configMaps().inNamespace(NS).withName("doomed-delete-iter-0").get());
        assertEquals(null, h.client.persistentVolumeClaims().inNamespace(NS).withName("doomed-delete-workspace").get());
        assertTrue(h.registry.find("selfalign.run.phase").tag("run", "doomed-delete").meters().isEmpty());
    }

    /**
     * Raising iterations on a Succeeded run starts round 2 only: rounds 0 and 1 keep their Jobs, pods, round.json and
     * status entries. Their identity under the raised spec is the one they finished with, so a trainer that meets
     * them again (their Jobs removed, local mode run again) reports them instead of computing them again.
     */
    @Test
    void raisingIterationsContinuesASucceededRunWithoutRecomputingItsRounds() throws Exception {
        Map<String, Integer> starts = new java.util.concurrent.ConcurrentHashMap<>();
        h.kubelet.script("grow", (job, attempt) -> {
            starts.merge(job.getMetadata().getName(), 1, Integer::sum);
            return TestKubelet.success(job);
        });
        h.create(run("grow", 1));
        AlignmentRun first = h.awaitRun("grow", phase(RunPhase.SUCCEEDED));
        Map<String, String> jobUids = new java.util.HashMap<>();
        Map<String, String> roundJson = new java.util.HashMap<>();
        for (int k = 0; k <= 1; k++) {
            jobUids.put("grow-iter-" + k, job("grow-iter-" + k).getMetadata().getUid());
            roundJson.put("grow-iter-" + k, h.client.configMaps().inNamespace(NS).withName("grow-iter-" + k).get().getData().get("round.json"));
        }

        h.editSpec("grow", s -> s.iterations = 2);
        AlignmentRun done = h.awaitRun("grow", r -> RunPhase.SUCCEEDED.equals(r.getStatus().phase) && r.getStatus().completedIterations == 3);
        assertEquals("/workspace/runs/team-a/grow/iter-2/model", done.getStatus().latestCheckpoint);
        assertEquals(Map.of("grow-iter-0", 1, "grow-iter-1", 1, "grow-iter-2", 1), starts, "one pod per round, none for the finished ones again");
        RoundSpecs specs = new RoundSpecs("nvidia.com/gpu");
        for (int k = 0; k <= 1; k++) {
            String name = "grow-iter-" + k;
            assertEquals(jobUids.get(name), job(name).getMetadata().getUid(), name + " is the Job that finished");
            assertEquals(1, pods(name), name);
            assertEquals(roundJson.get(name), h.client.configMaps().inNamespace(NS).withName(name).get().getData().get("round.json"));
            IterationStatus before = first.getStatus().findIteration(k);
            IterationStatus after = done.getStatus().findIteration(k);
            assertEquals(before.finishTime, after.finishTime, name);
            assertEquals(before.metrics, after.metrics, name);
            // The round as the raised run would write it: another round.json (iterations 2), the same round.
            RoundSpec raised = specs.create(done, k);
            RoundSpec finished = RoundJson.readSpec(roundJson.get(name));
            assertEquals(2, raised.iterations());
            assertEquals(RoundJson.specHash(finished), RoundJson.specHash(raised), name);
        }
        RoundSpec second = RoundJson.readSpec(h.client.configMaps().inNamespace(NS).withName("grow-iter-2").get().getData().get("round.json"));
        assertEquals(100, second.data().promptOffset(), "round 2 takes the rows after round 1's");
        assertEquals("/workspace/runs/team-a/grow/iter-1/model", second.paths().policyModel());
    }

    /** Lowering iterations below a round that has started is refused naming the field; nothing is undone or started. */
    @Test
    void loweringIterationsBelowAStartedRoundIsRefusedNamingTheField() {
        h.create(run("shrink", 2));
        h.awaitRun("shrink", phase(RunPhase.SUCCEEDED));
        h.editSpec("shrink", s -> s.iterations = 1);
        AlignmentRun refused = h.awaitRun("shrink", r -> "False".equals(condition(r, "SpecValid")));
        Condition valid = refused.getStatus().conditions.stream().filter(c -> c.getType().equals("SpecValid")).findFirst().orElseThrow();
        assertEquals("spec.iterations: 1 is below iteration 2, which has already started; rounds are not undone: set spec.iterations "
                + "to 2 or more (to stop a run, set spec.suspend: true)", valid.getMessage());
        assertEquals(RunPhase.SUCCEEDED, refused.getStatus().phase);
        assertEquals(3, refused.getStatus().completedIterations);
        assertEquals("/workspace/runs/team-a/shrink/iter-2/model", refused.getStatus().latestCheckpoint);
        assertEquals(3, h.client.batch().v1().jobs().inNamespace(NS).withLabel("selfalign.io/run", "shrink").list().getItems().size());

        h.editSpec("shrink", s -> s.iterations = 2);
        h.awaitRun("shrink", r -> "True".equals(condition(r, "SpecValid")));
    }

    private static Job job(String name) {
        return h.client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    private static int pods(String job) {
        return h.client.pods().inNamespace(NS).withLabel("batch.kubernetes.io/job-name", job).list().getItems().size();
    }
}
