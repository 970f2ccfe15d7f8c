package io.selfalign.operator.reconcile;

import static io.selfalign.operator.testing.OperatorHarness.NS;
import static io.selfalign.operator.testing.OperatorHarness.phase;
import static io.selfalign.operator.testing.OperatorHarness.run;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.testkit.kubelet.Kubelet;
import io.selfalign.testkit.kubelet.PodEnd;
import io.selfalign.operator.testing.OperatorHarness;
import io.selfalign.operator.testing.TestKubelet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sharded rounds on the mock API server with the in-process Job controller and kubelet. */
class ShardedRunTest {
    static OperatorHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new OperatorHarness();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    static AlignmentRun sharded(String name, int iterations, int shards) {
        AlignmentRun run = run(name, iterations);
        run.getSpec().generation.shards = shards;
        return run;
    }

    private static Job job(String name) {
        return h.client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    private static List<Pod> podsOf(String job) {
        return h.client.pods().inNamespace(NS).withLabel(Kubelet.JOB_NAME_LABEL, job).list().getItems();
    }

    @Test
    void eachIterationGeneratesInAnIndexedJobOfShardsThenTrains() {
        h.create(sharded("fan", 2, 3));
        AlignmentRun done = h.awaitRun("fan", phase(RunPhase.SUCCEEDED));

        assertNull(job("fan-gen-0"), "the seed round trains on gold pairs: no generate stage");
        Job gen = job("fan-gen-1");
        assertEquals("Indexed", gen.getSpec().getCompletionMode());
        assertEquals(3, gen.getSpec().getCompletions());
        assertEquals(3, gen.getSpec().getParallelism());
        assertEquals(run("x", 1).getSpec().backoffLimit, gen.getSpec().getBackoffLimitPerIndex());
        assertEquals(0, gen.getSpec().getMaxFailedIndexes());
        var container = gen.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(List.of(RoundContract.STAGE_OPTION, RoundContract.STAGE_GENERATE), container.getArgs());
        assertEquals(job("fan-iter-1").getSpec().getTemplate().getSpec().getContainers().get(0).getCommand(), container.getCommand());
        assertEquals(job("fan-iter-1").getSpec().getTemplate().getSpec().getContainers().get(0).getResources(), container.getResources());
        assertEquals("fan-iter-1", gen.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow().getConfigMap().getName(), "one round.json per round");
        assertEquals("0,1,2", gen.getStatus().getCompletedIndexes());

        Map<String, String> indexes = new TreeMap<>();
        for (Pod p : podsOf("fan-gen-1")) {
            indexes.put(p.getMetadata().getLabels().get(Kubelet.COMPLETION_INDEX_LABEL), p.getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getName().equals(RoundContract.SHARD_INDEX_ENV)).findFirst().orElseThrow().getValue());
        }
        assertEquals(Map.of("0", "0", "1", "1", "2", "2"), indexes);

        IterationStatus one = done.getStatus().iterations.get(1);
        assertNull(one.stage);
        assertEquals(List.of("generate", "train"), List.copyOf(one.stageSeconds.keySet()));
        assertEquals("fan-iter-1", one.job);
        assertNull(done.getStatus().iterations.get(0).stageSeconds, "unsharded rounds keep their status as before");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(3.0, h.registry.get("selfalign.round.shards").tag("run", "fan").gauge().value());
            assertEquals(3.0, h.registry.get("selfalign.round.shards.completed").tag("run", "fan").gauge().value());
        });
    }

    @Test
    void theStatusShowsShardProgressWhileTheyRun() {
        h.kubelet.shardScript("slow", (job, index, attempt) -> index == 1 ? TestKubelet.HANG : TestKubelet.success(job));
        h.create(sharded("slow", 1, 2));
        h.awaitRun("slow", r -> r.getStatus() != null && r.getStatus().iterations != null && r.getStatus().iterations.size() > 1
                && "Generating 1/2 shards".equals(r.getStatus().iterations.get(1).stage));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertEquals(1.0, h.registry.get("selfalign.round.shards.completed").tag("run", "slow").gauge().value()));
        assertNull(job("slow-iter-1"), "training waits for every shard");
        h.kubelet.finishShard(NS, "slow-gen-1", 1, TestKubelet.success(job("slow-gen-1")));
        h.awaitRun("slow", phase(RunPhase.SUCCEEDED));
    }

    @Test
    void aFailedShardIsRetriedAlone() {
        h.kubelet.shardScript("flaky-shard", (job, index, attempt) -> index == 1 && attempt == 0
                ? new PodEnd.Fail(1, "CUDA error: an illegal memory access") : TestKubelet.success(job));
        h.create(sharded("flaky-shard", 1, 3));
        h.awaitRun("flaky-shard", phase(RunPhase.SUCCEEDED));
        Map<String, Long> podsPerIndex = new TreeMap<>();
        for (Pod p : podsOf("flaky-shard-gen-1")) podsPerIndex.merge(p.getMetadata().getLabels().get(Kubelet.COMPLETION_INDEX_LABEL), 1L, Long::sum);
        assertEquals(Map.of("0", 1L, "1", 2L, "2", 1L), podsPerIndex);
        assertEquals(1, job("flaky-shard-gen-1").getStatus().getFailed());
    }

    @Test
    void aShardOutOfRetriesFailsTheRoundBeforeTraining() {
        h.kubelet.shardScript("doomed-shard", (job, index, attempt) -> index == 2 ? new PodEnd.Fail(137, "OOMKilled") : TestKubelet.success(job));
        AlignmentRun r = sharded("doomed-shard", 1, 3);
        r.getSpec().backoffLimit = 1;
        h.create(r);
        AlignmentRun failed = h.awaitRun("doomed-shard", phase(RunPhase.FAILED));
        Condition f = failed.getStatus().conditions.stream().filter(c -> c.getType().equals("Failed")).findFirst().orElseThrow();
        assertEquals("MaxFailedIndexesExceeded", f.getReason());
        assertTrue(f.getMessage().startsWith("iteration 1: Job doomed-shard-gen-1 failed (MaxFailedIndexesExceeded)"), f.getMessage());
        assertTrue(f.getMessage().contains("OOMKilled"), f.getMessage());
        assertEquals(2, podsOf("doomed-shard-gen-1").stream()
                .filter(p -> "2".equals(p.getMetadata().getLabels().get(Kubelet.COMPLETION_INDEX_LABEL))).count(), "backoffLimitPerIndex 1");
        assertNull(job("doomed-shard-iter-1"), "no training without every shard");
    }

    @Test
    void anInvalidInputInAShardFailsTheRoundAtOnce() {
        h.kubelet.shardScript("bad-shard", (job, index, attempt) -> index == 0
                ? new PodEnd.Fail(78, "JOB_COMPLETION_INDEX: shard 0 is not in 0..1") : TestKubelet.HANG);
        h.create(sharded("bad-shard", 1, 2));
        AlignmentRun failed = h.awaitRun("bad-shard", phase(RunPhase.FAILED));
        Condition f = failed.getStatus().conditions.stream().filter(c -> c.getType().equals("Failed")).findFirst().orElseThrow();
        assertEquals("PodFailurePolicy", f.getReason());
        assertEquals(1, podsOf("bad-shard-gen-1").stream()
                .filter(p -> "0".equals(p.getMetadata().getLabels().get(Kubelet.COMPLETION_INDEX_LABEL))).count(), "exit 78 is not retried");
        assertTrue(podsOf("bad-shard-gen-1").stream().noneMatch(p -> "Running".equals(p.getStatus().getPhase())),
                "the other shard is stopped with the Job");
    }
}
