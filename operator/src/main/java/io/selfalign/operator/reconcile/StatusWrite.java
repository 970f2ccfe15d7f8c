package io.selfalign.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a decided status through the status subresource with optimistic locking, and caches what was written for
 * the next reconciliation.
 *
 * <p>A 409 means someone changed the run since the informer's copy: often only its metadata (a label, an annotation,
 * a finalizer), which the decision did not read. The write is then repeated on the server's current copy, at once,
 * when that copy has the same spec generation and the same status the decision started from: the decision still
 * holds. Otherwise (the spec or the status moved) the conflict propagates and the reconciliation reruns on the new
 * state, so a decision is never written over a state it did not see.
 */
final class StatusWrite {
    /** Writes on top of a conflict; beyond it the run is changing too fast for a write to land, and JOSDK's backoff takes over. */
    static final int MAX_ATTEMPTS = 4;
    private static final Logger LOG = LoggerFactory.getLogger(StatusWrite.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusWrite() {}

    /**
     * @param read the run the decision was made on: this reconciliation's own copy (JOSDK clones it for each one, or
     *             it was just read), so its status is replaced in place rather than on yet another copy
     * @return the run as stored after the write
     */
    static AlignmentRun update(AlignmentRun read, AlignmentRunStatus desired, Context<AlignmentRun> context) {
        KubernetesClient client = context.getClient();
        Long generation = read.getMetadata().getGeneration();
        AlignmentRunStatus readStatus = read.getStatus();
        AlignmentRun base = read;
        for (int attempt = 1; ; attempt++) {
            String baseVersion = base.getMetadata().getResourceVersion();
            base.setStatus(JSON.convertValue(desired, AlignmentRunStatus.class));
            try {
                AlignmentRun stored = client.resource(base).updateStatus();
                context.eventSourceRetriever().getControllerEventSource()
                        .handleRecentResourceUpdate(ResourceID.fromResource(stored), stored, base);
                return stored;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == MAX_ATTEMPTS) throw e;
                AlignmentRun current = client.resources(AlignmentRun.class).inNamespace(read.getMetadata().getNamespace())
                        .withName(read.getMetadata().getName()).get();
                if (current == null || !sameDecisionInput(generation, readStatus, current)) throw e;
                LOG.debug("status of {}/{} conflicted at resourceVersion {}; writing it again on {}", read.getMetadata().getNamespace(),
                        read.getMetadata().getName(), baseVersion, current.getMetadata().getResourceVersion());
                base = current;
            }
        }
    }

    /** Whether {@code current} still has what a decision reads of the run itself: its spec (by generation) and status. */
    static boolean sameDecisionInput(Long generation, AlignmentRunStatus status, AlignmentRun current) {
        return Objects.equals(generation, current.getMetadata().getGeneration())
                && JSON.valueToTree(status).equals(JSON.valueToTree(current.getStatus()));
    }
}
