package io.selfalign.operator.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.selfalign.operator.config.OperatorSettings;
import io.selfalign.operator.config.TrainerPolicy;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart's settings, as Quarkus config, reach the operator's beans (property names, JSON, leader election). */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(SettingsWiringTest.ChartValues.class)
class SettingsWiringTest {
    /** What charts/selfalign renders by default, minus the activation of leader election (prod profile only). */
    public static class ChartValues implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "selfalign.leader-election.enabled", "true",
                    "selfalign.leader-election.lease-name", "release-lease",
                    "selfalign.trainer.node-selector", "{\"pool\":\"gpu\"}",
                    "selfalign.trainer.tolerations", "[{\"effect\":\"NoSchedule\",\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\"}]",
                    "selfalign.trainer.allowed-image-prefixes", "registry.corp/ml/,ghcr.io/selfalign/",
                    "selfalign.trainer.forbid-service-account-override", "true");
        }
    }

    @Inject
    OperatorSettings settings;

    @Inject
    Instance<LeaderElectionConfiguration> leaderElection;

    @Test
    void chartSettingsReachTheOperator() {
        assertEquals(Map.of("pool", "gpu"), settings.trainerNodeSelector());
        assertEquals(List.of(new TolerationBuilder().withKey("nvidia.com/gpu").withOperator("Exists").withEffect("NoSchedule").build()),
                settings.trainerTolerations());
        assertEquals("release-lease", leaderElection.get().getLeaseName());
        assertEquals(new TrainerPolicy(List.of("registry.corp/ml/", "ghcr.io/selfalign/"), true), settings.trainerPolicy());
    }
}
