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
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.operator.config.OperatorSettings;
import io.selfalign.operator.events.RunEvents;
import io.selfalign.operator.metrics.RunMetrics;
import io.selfalign.operator.round.RoundOutcome;
import io.selfalign.operator.round.RoundResources;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.status.ConditionsBuilder;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.validate.SpecValidator;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Drives an AlignmentRun round by round: observe (Jobs and pods by round) → validate (nothing is created
 * for an invalid spec) → reconcile (advance through the rounds, start the next one, record outcomes).
 *
 * <p>Crash safety: a round is recorded in the status (phase Pending, its Job name) before its ConfigMap
 * and Job are created; names are deterministic and 409 AlreadyExists counts as success, so a crash
 * between the two steps, a restart, or a stale cache never produces a second Job. Status is written with
 * optimistic locking and cached for the next reconciliation, independent of server-side apply.
 */
@ControllerConfiguration(name = AlignmentRunReconciler.NAME)
// What the reconciler touches beside its own resource; Quarkus adds these to the generated ClusterRole.
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"})
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch"})
@RBACRule(apiGroups = "", resources = {"configmaps", "persistentvolumeclaims"}, verbs = {"get", "list", "create", "delete", "deletecollection"})
@RBACRule(apiGroups = "", resources = "events", verbs = {"create", "patch"})
public class AlignmentRunReconciler implements Reconciler<AlignmentRun>, Cleaner<AlignmentRun> {
    public static final String NAME = "alignmentrun";
    static final String SEED_SKIPPED = "no seed preferences: iteration 1 starts from the base model";

    private static final ObjectMapper JSON = new ObjectMapper();

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
        this.validator = new SpecValidator(resources.specs());
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

    @Override
    public UpdateControl<AlignmentRun> reconcile(AlignmentRun run, Context<AlignmentRun> context) {
        KubernetesClient client = context.getClient();
        AlignmentRunStatus status = copy(run.getStatus());
        RunObservation observed = new RunObservation(client, run,
                context.getSecondaryResources(Job.class), context.getSecondaryResources(Pod.class));
        Pass pass = new Pass(context, run, status);

        List<String> problems = validator.validate(run);
        if (!problems.isEmpty()) {
            boolean wasInvalid = hasCondition(run.getStatus(), ConditionsBuilder.SPEC_VALID, "False")
                    && Objects.equals(observedGeneration(run.getStatus()), run.getMetadata().getGeneration());
            if (status.phase == null) status.phase = RunPhase.PENDING;
            pass.finish(problems);
            if (!wasInvalid) RunEvents.warning(client, run, RunEvents.SPEC_INVALID, String.join("; ", problems));
            return UpdateControl.noUpdate();
        }
        if (RunPhase.FAILED.equals(status.phase)) {
            pass.finish(problems);
            return UpdateControl.noUpdate();
        }
        pass.advance(observed);
        pass.finish(problems);
        return UpdateControl.noUpdate();
    }

    /** One reconciliation's work on a copy of the status; written once at the end if it changed. */
    private final class Pass {
        final Context<AlignmentRun> context;
        final KubernetesClient client;
        AlignmentRun run;
        final AlignmentRunStatus status;
        final String ns;
        final String name;
        String failureReason;
        String failureMessage;

        Pass(Context<AlignmentRun> context, AlignmentRun run, AlignmentRunStatus status) {
            this.context = context;
            this.client = context.getClient();
            this.run = run;
            this.status = status;
            this.ns = run.getMetadata().getNamespace();
            this.name = run.getMetadata().getName();
            Map.Entry<String, String> failure = failureOf(run.getStatus());
            if (failure != null) {
                failureReason = failure.getKey();
                failureMessage = failure.getValue();
            }
        }

        void advance(RunObservation observed) {
            var spec = run.getSpec();
            boolean wasSuspended = RunPhase.SUSPENDED.equals(status.phase);
            for (int k = 0; k <= spec.iterations; k++) {
                IterationStatus entry = status.findIteration(k);
                if (k == 0 && spec.data.seedPreferences == null) {
                    if (entry == null) skipSeedRound();
                    continue;
                }
                Job job = observed.job(k);
                if (job == null) {
                    // The status is the record of a finished round whose Job was removed by hand.
                    if (entry != null && RunPhase.SUCCEEDED.equals(entry.phase)) continue;
                    if (spec.suspend) {
                        suspend(k, wasSuspended);
                        return;
                    }
                    startRound(k, entry);
                    return;
                }
                RoundOutcome outcome = RoundOutcome.of(job, k, observed.pods(k, finished(job)));
                if (outcome instanceof RoundOutcome.Succeeded ok) {
                    if (!RunPhase.SUCCEEDED.equals(status.iteration(k).phase)) roundSucceeded(k, ok);
                    continue;
                }
                if (outcome instanceof RoundOutcome.Failed failed) {
                    roundFailed(k, failed);
                    return;
                }
                roundRunning(k, job, (RoundOutcome.Running) outcome, wasSuspended);
                return;
            }
            if (!RunPhase.SUCCEEDED.equals(status.phase)) {
                status.phase = RunPhase.SUCCEEDED;
                status.completionTime = now();
                RunEvents.normal(client, run, RunEvents.RUN_COMPLETE, "all " + (spec.iterations + 1) + " rounds succeeded; "
                        + "latest checkpoint " + status.latestCheckpoint);
            }
        }

        private void skipSeedRound() {
            IterationStatus entry = status.iteration(0);
            entry.phase = RunPhase.SUCCEEDED;
            entry.startTime = entry.finishTime = now();
            entry.message = SEED_SKIPPED;
            entry.attempts = 0;
            RunEvents.normal(client, run, RunEvents.ROUND_SKIPPED, "iteration 0 skipped: " + SEED_SKIPPED);
        }

        private void suspend(int k, boolean wasSuspended) {
            status.phase = RunPhase.SUSPENDED;
            status.currentIteration = k;
            if (!wasSuspended) RunEvents.normal(client, run, RunEvents.RUN_SUSPENDED, "suspended before iteration " + k);
        }

        private void startRound(int k, IterationStatus existing) {
            String job = Rounds.jobName(name, k);
            IterationStatus entry = status.iteration(k);
            entry.phase = RunPhase.PENDING;
            entry.job = job;
            if (existing == null || existing.startTime == null) entry.startTime = now();
            if (entry.attempts == null) entry.attempts = 0;
            status.phase = RunPhase.RUNNING;
            status.currentIteration = k;
            if (status.startTime == null) status.startTime = now();
            if (status.inputs == null) status.inputs = SpecValidator.inputs(run.getSpec());
            status.workspaceClaim = RoundResources.claimName(run);
            // Record first: after a crash here the next pass finds the entry and creates the same names again.
            write(List.of());
            if (run.getSpec().workspace.claimName == null) createIfAbsent(resources.ownedClaim(run));
            createIfAbsent(resources.configMap(run, k));
            try {
                createIfAbsent(resources.job(run, k));
            } catch (KubernetesClientException e) {
                if (e.getCode() < 400 || e.getCode() >= 500 || e.getCode() == 429) throw e;
                // The API server rejected the Job itself (4xx): retrying cannot help.
                roundFailed(k, new RoundOutcome.Failed(0, "JobRejected", "Kubernetes rejected Job " + job + ": " + e.getMessage()));
                return;
            }
            RunEvents.normal(client, run, RunEvents.ROUND_STARTED, "iteration " + k + " started as Job " + job);
        }

        private void roundSucceeded(int k, RoundOutcome.Succeeded ok) {
            RoundResult r = ok.result();
            IterationStatus entry = status.iteration(k);
            entry.phase = RunPhase.SUCCEEDED;
            entry.job = Rounds.jobName(name, k);
            entry.attempts = ok.attempts();
            entry.finishTime = now();
            entry.checkpoint = r.checkpoint();
            entry.metrics = r.metrics();
            entry.message = r.message();
            status.latestCheckpoint = r.checkpoint();
            status.currentIteration = k;
            metrics.roundSucceeded(ns, name, Duration.ofMillis(Math.round(r.durationSeconds() * 1000)));
            metrics.roundMetrics(ns, name, r.metrics());
            RunEvents.normal(client, run, RunEvents.ROUND_SUCCEEDED, "iteration " + k + " succeeded: checkpoint "
                    + r.checkpoint() + (r.message() == null ? "" : "; " + r.message()));
        }

        private void roundFailed(int k, RoundOutcome.Failed failed) {
            IterationStatus entry = status.iteration(k);
            entry.phase = RunPhase.FAILED;
            entry.attempts = failed.attempts();
            entry.finishTime = now();
            entry.message = failed.message();
            status.phase = RunPhase.FAILED;
            status.currentIteration = k;
            status.completionTime = now();
            failureReason = failed.reason();
            failureMessage = "iteration " + k + ": " + failed.message();
            metrics.roundFailed(ns, name, failed.reason());
            RunEvents.warning(client, run, RunEvents.ROUND_FAILED, failureMessage);
        }

        private void roundRunning(int k, Job job, RoundOutcome.Running running, boolean wasSuspended) {
            boolean suspend = run.getSpec().suspend;
            if (suspend != running.suspended()) {
                // a merge patch without resourceVersion: the Job controller's status writes cannot make it conflict
                client.batch().v1().jobs().resource(job).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"suspend\":" + suspend + "}}");
                if (!suspend) RunEvents.normal(client, run, RunEvents.RUN_RESUMED, "iteration " + k + " resumed");
            }
            IterationStatus entry = status.iteration(k);
            entry.job = job.getMetadata().getName();
            entry.phase = suspend ? RunPhase.SUSPENDED : RunPhase.RUNNING;
            entry.attempts = running.attempts();
            status.currentIteration = k;
            if (suspend) {
                suspend(k, wasSuspended);
            } else {
                status.phase = RunPhase.RUNNING;
            }
        }

        private void createIfAbsent(HasMetadata object) {
            try {
                client.resource(object).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) throw e;
            }
        }

        /** Computes conditions and the derived counters, then writes the status if anything changed. */
        void finish(List<String> problems) {
            status.completedIterations = status.iterations == null ? 0
                    : (int) status.iterations.stream().filter(it -> RunPhase.SUCCEEDED.equals(it.phase)).count();
            metrics.observe(ns, name, status.phase, status.currentIteration);
            write(problems);
        }

        private void write(List<String> problems) {
            status.observedGeneration = run.getMetadata().getGeneration();
            status.conditions = ConditionsBuilder.build(
                    new ConditionsBuilder.RunState(status.phase, problems, status.currentIteration,
                            run.getSpec() == null ? 0 : run.getSpec().iterations, failureReason, failureMessage),
                    run.getStatus() == null ? null : run.getStatus().conditions,
                    run.getMetadata().getGeneration(), clock.instant());
            if (JSON.valueToTree(status).equals(JSON.valueToTree(run.getStatus()))) return;
            AlignmentRunStatus desired = copy(status);
            run = PrimaryUpdateAndCacheUtils.updateAndCacheResource(run, context, r -> {
                r.setStatus(desired);
                return r;
            }, r -> client.resource(r).updateStatus(), 0, 0, 0);
        }

        private String now() {
            return clock.instant().toString();
        }
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

    private static boolean finished(Job job) {
        return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
                .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
    }

    private static AlignmentRunStatus copy(AlignmentRunStatus status) {
        return status == null ? new AlignmentRunStatus() : JSON.convertValue(status, AlignmentRunStatus.class);
    }

    private static Long observedGeneration(AlignmentRunStatus status) {
        return status == null ? null : status.observedGeneration;
    }

    private static boolean hasCondition(AlignmentRunStatus status, String type, String value) {
        return status != null && status.conditions != null
                && status.conditions.stream().anyMatch(c -> type.equals(c.getType()) && value.equals(c.getStatus()));
    }

    /** Reason and message of a recorded Failed=True condition: a failed run keeps explaining itself. */
    private static Map.Entry<String, String> failureOf(AlignmentRunStatus status) {
        if (status == null || status.conditions == null) return null;
        return status.conditions.stream()
                .filter(c -> ConditionsBuilder.FAILED.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst().map(c -> Map.entry(c.getReason(), c.getMessage())).orElse(null);
    }
}
