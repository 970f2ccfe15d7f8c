package io.selfalign.trainer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.trainer.train.PreferenceTrainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsServerTest {

    @Test
    void servesTheLatestStepAndStageInPrometheusFormat() throws Exception {
        RoundProgress progress = new RoundProgress(2);
        progress.stage("train", 10);
        progress.step(new PreferenceTrainer.StepMetrics(3, 10, 0, 2.5e-7, 0.61, 0.2, -0.1, 0.3, 0.75, 0.125, -0.05, 1.2, 1, false, 640, 1234, 9));
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, progress, "team", "demo")) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            String body = r.body();
            String tags = "iteration=\"2\",namespace=\"team\",run=\"demo\"";
            assertTrue(body.contains("selfalign_round_step{" + tags + "} 4.0"), body);
            assertTrue(body.contains("selfalign_round_loss{" + tags + "} 0.61"), body);
            assertTrue(body.contains("selfalign_round_accuracy{" + tags + "} 0.75"), body);
            assertTrue(body.contains("selfalign_round_learning_rate{" + tags + "} 2.5E-7"), body);
            assertTrue(body.contains("selfalign_round_tokens_per_second{" + tags + "} 1234.0"), body);
            assertTrue(body.contains("selfalign_round_stage{" + tags + ",stage=\"train\"} 1.0"), body);
            assertTrue(body.contains("selfalign_round_stage{" + tags + ",stage=\"judge\"} 0.0"), body);
            assertTrue(body.contains("selfalign_round_stage_progress{" + tags + "} 0.4"), body);
        }
    }

    @Test
    void theProgressLineShowsStageAndTrainingNumbers() {
        RoundProgress progress = new RoundProgress(1);
        progress.stage("generate", 800);
        progress.advance(64);
        assertTrue(progress.line().matches("\\[iter 1 \\d+s] generate 64/800"), progress.line());
        progress.stage("train", 25);
        progress.step(new PreferenceTrainer.StepMetrics(4, 25, 0, 5e-7, 0.6812, 0.01, -0.02, 0.031, 0.56, 0.1, 0, 1, 1, false, 100, 1234, 3));
        assertTrue(progress.line().endsWith("train 5/25 loss 0.6812 margin 0.0310 acc 0.56 lr 5.00e-07 flagged 0.10 1234 tok/s"), progress.line());
    }
}
