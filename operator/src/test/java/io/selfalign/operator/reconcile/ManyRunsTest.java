package io.selfalign.operator.reconcile;

import static io.selfalign.operator.testing.OperatorHarness.NS;
import static io.selfalign.operator.testing.OperatorHarness.run;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.testing.OperatorHarness;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ManyRunsTest {
    static final int RUNS = 200;

    @Test
    void twoHundredRunsAtOnceAllComplete() throws Exception {
        try (OperatorHarness h = new OperatorHarness()) {
            IntStream.range(0, RUNS).parallel().forEach(i -> h.create(run("many-" + i, 1)));
            await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    h.client.resources(AlignmentRun.class).inNamespace(NS).list().getItems().stream()
                            .filter(r -> r.getStatus() != null && RunPhase.SUCCEEDED.equals(r.getStatus().phase)).count() == RUNS);
            // Exactly one Job per round: two rounds per run, no duplicates.
            assertEquals(2 * RUNS, h.client.batch().v1().jobs().inNamespace(NS).list().getItems().size());
            h.client.resources(AlignmentRun.class).inNamespace(NS).list().getItems()
                    .forEach(r -> assertEquals(2, r.getStatus().completedIterations, r.getMetadata().getName()));
        }
    }
}
