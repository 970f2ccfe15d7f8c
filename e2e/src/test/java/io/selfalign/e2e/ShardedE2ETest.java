package io.selfalign.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.TestKubelet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A sharded round's Indexed Job as the real API server stores it (the mock keeps any field; a server drops unknown ones). */
@ExtendWith(Cluster.Extension.class)
class ShardedE2ETest {
    static final String NS = "e2e-shard";
    static Cluster cluster;
    static TestKubelet kubelet;
    static OperatorProcess operator;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
        cluster.namespace(NS);
        String sa = Chart.installRbac(cluster);
        kubelet = new TestKubelet(cluster.admin);
        operator = OperatorProcess.start("shard-operator", Chart.operatorKubeconfig(cluster, sa), false).awaitHealth("ready");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (operator != null) operator.close();
        if (kubelet != null) kubelet.close();
    }

    Job job(String name) {
        return cluster.admin.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    @Test
    void theIndexedJobKeepsItsFieldsAndIsSuspendedAndResumedWithTheRun() {
        AlignmentRun run = Runs.run(NS, "fan", 1);
        run.getSpec().generation.shards = 3;
        kubelet.shardScript("fan", (job, index, attempt) -> index == 1 ? TestKubelet.HANG : TestKubelet.success(job));
        cluster.admin.resource(run).create();
        await().atMost(Duration.ofSeconds(120)).until(() -> job("fan-gen-1") != null && job("fan-gen-1").getStatus() != null
                && Integer.valueOf(2).equals(job("fan-gen-1").getStatus().getSucceeded()));

        var spec = job("fan-gen-1").getSpec();
        assertEquals("Indexed", spec.getCompletionMode());
        assertEquals(3, spec.getCompletions());
        assertEquals(3, spec.getParallelism());
        assertNotNull(spec.getBackoffLimitPerIndex(), "backoffLimitPerIndex");
        assertEquals(0, spec.getMaxFailedIndexes());
        assertEquals(false, spec.getSuspend());
        List<PodFailurePolicyRule> rules = spec.getPodFailurePolicy().getRules();
        assertEquals(List.of("FailJob", "Ignore"), rules.stream().map(PodFailurePolicyRule::getAction).toList());
        assertEquals(List.of(78), rules.get(0).getOnExitCodes().getValues());
        assertEquals("DisruptionTarget", rules.get(1).getOnPodConditions().get(0).getType());

        suspend(true);
        await().atMost(Duration.ofSeconds(60)).until(() -> Boolean.TRUE.equals(job("fan-gen-1").getSpec().getSuspend()));
        suspend(false);
        await().atMost(Duration.ofSeconds(60)).until(() -> Boolean.FALSE.equals(job("fan-gen-1").getSpec().getSuspend()));
        // The resumed Job runs index 1 again; it ends, training follows.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(IllegalStateException.class)
                .untilAsserted(() -> kubelet.finishShard(NS, "fan-gen-1", 1, TestKubelet.success(job("fan-gen-1"))));
        Runs.awaitPhase(NS, "fan", RunPhase.SUCCEEDED);
    }

    private void suspend(boolean suspend) {
        cluster.admin.resources(AlignmentRun.class).inNamespace(NS).withName("fan")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":" + suspend + "}}");
    }
}
