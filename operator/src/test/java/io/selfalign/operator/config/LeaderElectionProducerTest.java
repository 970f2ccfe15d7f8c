package io.selfalign.operator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import org.junit.jupiter.api.Test;

class LeaderElectionProducerTest {
    @Test
    void enabledGivesALeaseInTheOperatorsNamespace() {
        LeaderElectionConfiguration c = LeaderElectionProducer.configuration(true, "selfalign-operator-lease");
        assertEquals("selfalign-operator-lease", c.getLeaseName());
        // no namespace: JOSDK then uses the client's, i.e. the operator pod's own namespace, where the chart's Role is
        assertTrue(c.getLeaseNamespace().isEmpty());
    }

    @Test
    void disabledGivesNoConfiguration() {
        assertNull(LeaderElectionProducer.configuration(false, "selfalign-operator-lease"));
    }
}
