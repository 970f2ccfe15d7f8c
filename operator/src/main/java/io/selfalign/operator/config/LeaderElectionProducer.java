package io.selfalign.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * JOSDK leader election from {@code selfalign.leader-election.*}. The quarkus-operator-sdk extension looks up a
 * {@link LeaderElectionConfiguration} bean when it builds the operator (only in the profiles of
 * {@code quarkus.operator-sdk.activate-leader-election-for-profiles}, "prod" by default); a null bean means none.
 * The Lease lives in the operator's own namespace and the holder identity is the pod name (JOSDK's defaults).
 */
@Singleton
public class LeaderElectionProducer {
    @ConfigProperty(name = "selfalign.leader-election.enabled")
    boolean enabled;

    @ConfigProperty(name = "selfalign.leader-election.lease-name")
    String leaseName;

    /** Dependent scope because only dependent producers may return null (= leader election off). */
    @Produces
    @Dependent
    @Unremovable
    LeaderElectionConfiguration leaderElection() {
        return configuration(enabled, leaseName);
    }

    static LeaderElectionConfiguration configuration(boolean enabled, String leaseName) {
        if (!enabled) return null;
        return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(leaseName).build();
    }
}
