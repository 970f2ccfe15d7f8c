package io.selfalign.trainer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.selfalign.trainer.train.PreferenceTrainer;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
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

    /** Local mode's trainers listen on loopback only: nobody else on the network reads a workstation's run. */
    @Test
    void aLoopbackAddressIsNotReachableFromTheNetwork() throws Exception {
        Optional<InetAddress> external = NetworkInterface.networkInterfaces().filter(MetricsServerTest::up)
                .flatMap(NetworkInterface::inetAddresses).filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).findFirst();
        assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to try");
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, new RoundProgress(1), "team", "demo")) {
            assertTrue(connects(InetAddress.getLoopbackAddress(), server.port()));
            assertFalse(connects(external.get(), server.port()), "reachable on " + external.get());
        }
        try (MetricsServer server = MetricsServer.start("0.0.0.0", 0, new RoundProgress(1), "team", "demo")) {
            assertTrue(connects(external.get(), server.port()), "a pod's endpoint listens on every interface");
        }
    }

    private static boolean up(NetworkInterface n) {
        try {
            return n.isUp();
        } catch (SocketException e) {
            return false;
        }
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
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
