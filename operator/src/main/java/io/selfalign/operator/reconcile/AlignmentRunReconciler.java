package io.selfalign.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.selfalign.operator.status.ConditionsBuilder;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.operator.config.OperatorSettings;
import io.selfalign.operator.events.RunEvents;
import io.selfalign.operator.metrics.RunMetrics;
import io.selfalign.operator.round.RoundResources;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.validate.SpecValidator;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives an AlignmentRun round by round: observe (Jobs and pods by round) → validate (nothing is created
 * for an invalid spec) → decide ({@link RunDecider}: advance through the rounds, start the next one, record
 * outcomes; no I/O) → record the status and carry out the decided actions, all writes in one place.
 *
 * <p>Crash safety: a round is recorded in the status (phase Pending, its Job name) before its ConfigMap
 * and Job are created; names are deterministic and 409 AlreadyExists counts as success, so a crash
 * between the two steps, a restart, or a stale cache never produces a second Job. Status is written with
 * optimistic locking and cached for the next reconciliation, independent of server-side apply.
 */
@ControllerConfiguration(name = AlignmentRunReconciler.NAME)
// A failed API request (5xx, 429, a 409 conflict on the status) is retried without limit, 2 s doubling to 5 min:
// giving up would leave the run unattended until its next event. Each failure is recorded (updateErrorStatus).
@GradualRetry(maxAttempts = -1, initialInterval = 2_000, intervalMultiplier = 2, maxInterval = 300_000)
// What the reconciler touches beside its own resource; Quarkus adds these to the generated ClusterRole.
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"})
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch"})
@RBACRule(apiGroups = "", resources = {"configmaps", "persistentvolumeclaims"}, verbs = {"get", "list", "create", "delete", "deletecollection"})
@RBACRule(apiGroups = "", resources = "events", verbs = {"create", "patch"})
public class AlignmentRunReconciler implements Reconciler<AlignmentRun>, Cleaner<AlignmentRun> {
    public static final String NAME = "alignmentrun";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(AlignmentRunReconciler.class);

    private final RoundResources resources;
    private final SpecValidator validator;
    private final RunMetrics metrics;
    private final Clock clock;

    @Inject
    public AlignmentRunReconciler(OperatorSettings settings, RunMetrics metrics) {
        this(settings, metrics, Clock.systemUTC());
    }

    AlignmentRunReconciler(OperatorSettings settings, RunMetrics metrics, Clock clock) {
        this.resources = new RoundResources(settings);
        this.validator = new SpecValidator(resources.specs(), settings.trainerPolicy());
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, AlignmentRun>> prepareEventSources(EventSourceContext<AlignmentRun> context) {
        return List.of(
                new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, AlignmentRun.class)
                        .withLabelSelector(Rounds.RUN_LABEL).withSecondaryToPrimaryMapper(byRunLabel()).build(), context),
                new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, AlignmentRun.class)
                        .withLabelSelector(Rounds.RUN_LABEL).withSecondaryToPrimaryMapper(byRunLabel()).build(), context));
    }

    private static <R extends HasMetadata> SecondaryToPrimaryMapper<R> byRunLabel() {
        return r -> Set.of(new ResourceID(r.getMetadata().getLabels().get(Rounds.RUN_LABEL), r.getMetadata().getNamespace()));
    }

    /** Observe → validate → decide (a pure function) → record the status → act; errors propagate to JOSDK's retry. */
    @Override
    public UpdateControl<AlignmentRun> reconcile(AlignmentRun run, Context<AlignmentRun> context) {
        RunObservation observed = RunObservation.observe(context.getClient(), run,
                context.getSecondaryResources(Job.class), context.getSecondaryResources(Pod.class));
        List<String> problems = validator.validate(run);
        carryOut(RunDecider.decide(run, problems, observed, clock.instant()), run, context);
        return UpdateControl.noUpdate();
    }

    /**
     * The one place that writes. Actions run in the decided order, and the status is recorded just before a
     * round's resources are created (a round is on record before its ConfigMap and Job exist), otherwise after
     * the actions: whoever sees a status change can already see the events that announce it.
     */
    private void carryOut(RunDecision decision, AlignmentRun run, Context<AlignmentRun> context) {
        KubernetesClient client = context.getClient();
        boolean statusRecorded = false;
        for (RunAction action : decision.actions()) {
            if (action instanceof RunAction.StartRound start) {
                AlignmentRun recorded = record(run, decision.status(), context);
                statusRecorded = true;
                Job job = resources.job(recorded, start.iteration());
                String rejected = startRound(client, recorded, start.iteration(), job);
                if (rejected != null) {
                    carryOut(RunDecider.jobRejected(recorded, start.iteration(), job.getMetadata().getName(), rejected, clock.instant()),
                            recorded, context);
                    return;
                }
                boolean afterShards = recorded.getSpec().generation.shards > 1 && start.iteration() >= 1;
                RunEvents.normal(client, run, RunEvents.ROUND_STARTED, "iteration " + start.iteration()
                        + (afterShards ? " training started as Job " : " started as Job ") + job.getMetadata().getName());
            } else if (action instanceof RunAction.StartShards start) {
                AlignmentRun recorded = record(run, decision.status(), context);
                statusRecorded = true;
                Job job = resources.shardJob(recorded, start.iteration());
                String rejected = startRound(client, recorded, start.iteration(), job);
                if (rejected != null) {
                    carryOut(RunDecider.jobRejected(recorded, start.iteration(), job.getMetadata().getName(), rejected, clock.instant()),
                            recorded, context);
                    return;
                }
                RunEvents.normal(client, run, RunEvents.ROUND_STARTED, "iteration " + start.iteration() + " started: "
                        + job.getSpec().getCompletions() + " shards generate and judge as Indexed Job " + job.getMetadata().getName());
            } else if (action instanceof RunAction.CountShards c) {
                metrics.shards(namespace(run), name(run), c.completed(), c.shards());
            } else if (action instanceof RunAction.SetJobSuspended s) {
                // a merge patch without resourceVersion: the Job controller's status writes cannot make it conflict
                client.batch().v1().jobs().resource(s.job())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":" + s.suspend() + "}}");
            } else if (action instanceof RunAction.Emit e) {
                if (e.warning()) {
                    RunEvents.warning(client, run, e.reason(), e.message());
                } else {
                    RunEvents.normal(client, run, e.reason(), e.message());
                }
            } else if (action instanceof RunAction.CountRoundSucceeded c) {
                metrics.roundSucceeded(namespace(run), name(run), c.duration());
                metrics.roundMetrics(namespace(run), name(run), c.metrics());
            } else if (action instanceof RunAction.CountRoundFailed c) {
                metrics.roundFailed(namespace(run), name(run), c.reason());
            }
        }
        if (!statusRecorded) record(run, decision.status(), context);
        metrics.observe(namespace(run), name(run), decision.status().phase, decision.status().currentIteration);
    }

    /**
     * Creates round k's resources and one of its Jobs (the round's, or its generate stage's); 409 AlreadyExists
     * counts as success (names are deterministic). Both Jobs of a sharded round mount the one round.json ConfigMap.
     *
     * @return the API server's message when it rejected the Job itself (a 4xx other than 401, 403, 409 and 429), else null
     */
    private String startRound(KubernetesClient client, AlignmentRun run, int k, Job job) {
        if (run.getSpec().workspace.claimName == null) createIfAbsent(client, resources.ownedClaim(run));
        createIfAbsent(client, resources.configMap(run, k));
        try {
            createIfAbsent(client, job);
            return null;
        } catch (KubernetesClientException e) {
            if (!ApiErrors.rejectsTheObject(e.getCode())) throw e;
            return e.getMessage();
        }
    }

    private static void createIfAbsent(KubernetesClient client, HasMetadata object) {
        try {
            client.resource(object).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) throw e;
        }
    }

    /** Writes the status when it differs from the run's ({@link StatusWrite}: optimistic locking, cached). */
    private static AlignmentRun record(AlignmentRun run, AlignmentRunStatus status, Context<AlignmentRun> context) {
        if (JSON.valueToTree(status).equals(JSON.valueToTree(run.getStatus()))) return run;
        return StatusWrite.update(run, status, context);
    }

    /**
     * A reconciliation that threw (a request to the API failed) is recorded before JOSDK retries it: the
     * {@code ReconcileError} condition and a Warning event say what failed and that the operator retries. The next
     * reconciliation that gets through records its decision, which clears the condition.
     *
     * <p>The condition is added to the status as stored, read again here: the failed reconciliation may have recorded
     * a round before its request failed, and a status built on the run it started from would erase that record.
     */
    @Override
    public ErrorStatusUpdateControl<AlignmentRun> updateErrorStatus(AlignmentRun run, Context<AlignmentRun> context, Exception e) {
        int attempt = context.getRetryInfo().map(RetryInfo::getAttemptCount).orElse(1);
        String message = ApiErrors.message(e) + "; retrying with backoff (attempt " + attempt + ")";
        KubernetesClient client = context.getClient();
        RunEvents.warning(client, run, ConditionsBuilder.RECONCILE_ERROR, message);
        try {
            AlignmentRun stored = client.resources(AlignmentRun.class).inNamespace(namespace(run)).withName(name(run)).get();
            if (stored == null) return ErrorStatusUpdateControl.noStatusUpdate();
            AlignmentRunStatus status = stored.getStatus() == null ? new AlignmentRunStatus()
                    : JSON.convertValue(stored.getStatus(), AlignmentRunStatus.class);
            status.conditions = ConditionsBuilder.withReconcileError(status.conditions, ApiErrors.reason(e), message,
                    stored.getMetadata().getGeneration() == null ? 0 : stored.getMetadata().getGeneration(), clock.instant());
            StatusWrite.update(stored, status, context);
        } catch (KubernetesClientException unrecorded) {
            // The API that failed the reconciliation may refuse this write too; the event (if it got through), the
            // log and the retry remain.
            LOG.warn("could not record ReconcileError on {}/{}: {}", namespace(run), name(run), unrecorded.getMessage());
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    @Override
    public DeleteControl cleanup(AlignmentRun run, Context<AlignmentRun> context) {
        KubernetesClient client = context.getClient();
        String ns = run.getMetadata().getNamespace();
        String name = run.getMetadata().getName();
        // Owner references let a real cluster's garbage collector do this too; deleting explicitly also
        // covers API servers without one (tests, local mode). The claim goes only if the operator made it.
        client.batch().v1().jobs().inNamespace(ns).withLabel(Rounds.RUN_LABEL, name)
                .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
        client.configMaps().inNamespace(ns).withLabel(Rounds.RUN_LABEL, name).delete();
        if (run.getSpec() != null && run.getSpec().workspace != null && run.getSpec().workspace.claimName == null) {
            client.persistentVolumeClaims().inNamespace(ns).withName(Rounds.ownedClaimName(name)).delete();
        }
        metrics.remove(ns, name);
        return DeleteControl.defaultDelete();
    }

    private static String namespace(AlignmentRun run) {
        return run.getMetadata().getNamespace();
    }

    private static String name(AlignmentRun run) {
        return run.getMetadata().getName();
    }
}
