package io.selfalign.operator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainerPlacementTest {
    @Test
    void readsWhatTheHelmChartRenders() {
        // values.yaml defaults through toJson: nodeSelector {} and one GPU toleration
        assertEquals(Map.of(), TrainerPlacement.nodeSelector(Optional.of("{}")));
        assertEquals(Map.of("pool", "gpu"), TrainerPlacement.nodeSelector(Optional.of("{\"pool\":\"gpu\"}")));
        assertEquals(List.of(new TolerationBuilder().withKey("nvidia.com/gpu").withOperator("Exists").withEffect("NoSchedule").build()),
                TrainerPlacement.tolerations(Optional.of("[{\"effect\":\"NoSchedule\",\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\"}]")));
    }

    @Test
    void unsetEmptyOrNullMeansNone() {
        assertEquals(Map.of(), TrainerPlacement.nodeSelector(Optional.empty()));
        assertEquals(Map.of(), TrainerPlacement.nodeSelector(Optional.of("null")));
        assertEquals(List.of(), TrainerPlacement.tolerations(Optional.of(" ")));
        assertEquals(List.of(), TrainerPlacement.tolerations(Optional.of("null")));
    }

    @Test
    void malformedJsonNamesTheSettingAndItsEnvironmentVariable() {
        var selector = assertThrows(IllegalArgumentException.class, () -> TrainerPlacement.nodeSelector(Optional.of("pool=gpu")));
        assertTrue(selector.getMessage().startsWith("selfalign.trainer.node-selector (SELFALIGN_TRAINER_NODE_SELECTOR) must be"),
                selector.getMessage());
        var tolerations = assertThrows(IllegalArgumentException.class,
                () -> TrainerPlacement.tolerations(Optional.of("{\"key\":\"nvidia.com/gpu\"}")));
        assertTrue(tolerations.getMessage().startsWith("selfalign.trainer.tolerations (SELFALIGN_TRAINER_TOLERATIONS) must be"),
                tolerations.getMessage());
        var trailing = assertThrows(IllegalArgumentException.class, () -> TrainerPlacement.nodeSelector(Optional.of("{} {}")));
        assertTrue(trailing.getMessage().contains("node-selector"), trailing.getMessage());
    }
}
