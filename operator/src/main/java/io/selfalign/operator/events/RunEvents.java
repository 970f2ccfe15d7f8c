package io.selfalign.operator.events;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.selfalign.api.v1alpha1.AlignmentRun;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits core/v1 Events about a run ({@code kubectl describe arun} shows them). JOSDK has no event
 * recorder. An event that cannot be written is logged, never fails the reconciliation.
 */
public final class RunEvents {
    public static final String ROUND_STARTED = "RoundStarted";
    public static final String ROUND_SUCCEEDED = "RoundSucceeded";
    public static final String ROUND_FAILED = "RoundFailed";
    public static final String ROUND_SKIPPED = "RoundSkipped";
    public static final String RUN_COMPLETE = "RunComplete";
    /** The guard stopped the run: a round's judge was below spec.guard.minJudgeAccuracy (also the conditions' reason). */
    public static final String JUDGE_ACCURACY_BELOW_THRESHOLD = "JudgeAccuracyBelowThreshold";
    /** The guard stopped the run: a round's held-out accuracy fell significantly (spec.guard.stopOnDecline; also the conditions' reason). */
    public static final String VALIDATION_DECLINED = "ValidationDeclined";
    public static final String RUN_SUSPENDED = "RunSuspended";
    public static final String RUN_RESUMED = "RunResumed";
    public static final String SPEC_INVALID = "SpecInvalid";

    private static final Logger LOG = LoggerFactory.getLogger(RunEvents.class);
    private static final String COMPONENT = "selfalign-operator";

    private RunEvents() {}

    public static void normal(KubernetesClient client, AlignmentRun run, String reason, String message) {
        emit(client, run, "Normal", reason, message);
    }

    public static void warning(KubernetesClient client, AlignmentRun run, String reason, String message) {
        emit(client, run, "Warning", reason, message);
    }

    private static void emit(KubernetesClient client, AlignmentRun run, String type, String reason, String message) {
        String now = Instant.now().toString();
        var meta = run.getMetadata();
        var event = new EventBuilder()
                .withNewMetadata()
                    .withName(meta.getName() + "." + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
                    .withNamespace(meta.getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(run.getApiVersion()).withKind(run.getKind())
                        .withName(meta.getName()).withNamespace(meta.getNamespace()).withUid(meta.getUid())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(message.length() > 1024 ? message.substring(0, 1024) : message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .build();
        try {
            client.v1().events().inNamespace(meta.getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warn("could not record event {} for {}/{}: {}", reason, meta.getNamespace(), meta.getName(), e.getMessage());
        }
    }
}
