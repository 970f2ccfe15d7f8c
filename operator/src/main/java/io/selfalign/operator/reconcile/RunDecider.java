package io.selfalign.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.selfalign.api.round.BestRound;
import io.selfalign.api.round.Guard;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.operator.events.RunEvents;
import io.selfalign.operator.reconcile.RunAction.CountRoundFailed;
import io.selfalign.operator.reconcile.RunAction.CountRoundSucceeded;
import io.selfalign.operator.reconcile.RunAction.CountShards;
import io.selfalign.operator.reconcile.RunAction.StartShards;
import io.selfalign.operator.reconcile.RunAction.Emit;
import io.selfalign.operator.reconcile.RunAction.SetJobSuspended;
import io.selfalign.operator.reconcile.RunAction.StartRound;
import io.selfalign.operator.round.PairYield;
import io.selfalign.operator.round.RoundOutcome;
import io.selfalign.operator.round.RoundResources;
import io.selfalign.operator.round.ShardsOutcome;
import io.selfalign.operator.round.Rounds;
import io.selfalign.operator.status.ConditionsBuilder;
import io.selfalign.api.v1alpha1.RunPhase;
import io.selfalign.operator.validate.SpecValidator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The reconciler's decision as a pure function: from a run (spec and last recorded status), its spec
 * problems and the observed Jobs and pods, the status to record and the actions to take. Rounds advance
 * in order: a finished round is recorded, the first round without a Job is started (or the run suspends
 * before it), a running round is followed (and suspended or resumed with the spec).
 */
final class RunDecider {
    static final String SEED_SKIPPED = "no seed preferences: iteration 1 starts from the base model";

    static final String TRAINING = "Training";

    /** The trainer's metric: the share of held-out pairs whose prompt the run trains on. */
    static final String VALIDATION_PROMPT_OVERLAP = "validation_prompt_overlap";

    /** Event reason of held-out pairs that overlap the training prompts. */
    static final String VALIDATION_OVERLAP = "ValidationOverlap";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunDecider() {}

    /** @param problems the spec's validation problems; with any, nothing is started */
    static RunDecision decide(AlignmentRun run, List<String> problems, RunObservation observed, Instant now) {
        Decision d = new Decision(run, now);
        if (!problems.isEmpty()) {
            boolean wasInvalid = hasCondition(run.getStatus(), ConditionsBuilder.SPEC_VALID, "False")
                    && Objects.equals(observedGeneration(run.getStatus()), run.getMetadata().getGeneration());
            if (d.status.phase == null) d.status.phase = RunPhase.PENDING;
            if (!wasInvalid) d.actions.add(Emit.warning(RunEvents.SPEC_INVALID, String.join("; ", problems)));
            return d.finish(problems);
        }
        if (!RunPhase.FAILED.equals(d.status.phase)) d.advance(observed);
        return d.finish(problems);
    }

    /** Round {@code k}'s Job {@code job} was refused by the API server (4xx): the run fails, retrying cannot help. */
    static RunDecision jobRejected(AlignmentRun run, int k, String job, String message, Instant now) {
        Decision d = new Decision(run, now);
        d.roundFailed(k, new RoundOutcome.Failed(0, "JobRejected", "Kubernetes rejected Job " + job + ": " + message));
        return d.finish(List.of());
    }

    /** One decision's work on a copy of the run's status. */
    private static final class Decision {
        final AlignmentRun run;
        final Instant now;
        final AlignmentRunStatus status;
        final List<RunAction> actions = new ArrayList<>();
        String failureReason;
        String failureMessage;
        String stopReason;
        String stopMessage;

        Decision(AlignmentRun run, Instant now) {
            this.run = run;
            this.now = now;
            this.status = copy(run.getStatus());
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
                    if (entry != null && RunPhase.SUCCEEDED.equals(entry.phase)) {
                        if (guardStopped(entry)) {
                            stopEarly(k, entry);
                            return;
                        }
                        if (declined(k)) return;
                        continue;
                    }
                    Job shardJob = observed.shardJob(k);
                    ShardsOutcome shards = shardJob == null ? null : ShardsOutcome.of(shardJob, k, observed.shardPods(k));
                    if (shards instanceof ShardsOutcome.Failed failed) {
                        status.iteration(k).stage = generatingStage(failed.completed(), failed.shards());
                        roundFailed(k, failed.failure());
                        return;
                    }
                    if (shards instanceof ShardsOutcome.Generating generating) {
                        shardsRunning(k, shardJob, generating, wasSuspended);
                        return;
                    }
                    if (spec.suspend) {
                        suspend(k, wasSuspended);
                        return;
                    }
                    if (shards == null && sharded(k)) {
                        startShards(k, entry);
                    } else {
                        startRound(k, entry, (ShardsOutcome.Generated) shards);
                    }
                    return;
                }
                RoundOutcome outcome = RoundOutcome.of(job, k, observed.pods(k));
                // A round Job after a generate stage is the round's training step.
                Job shardJob = observed.shardJob(k);
                if (shardJob != null && !RunPhase.SUCCEEDED.equals(status.iteration(k).phase)) {
                    trainingAfter(k, ShardsOutcome.of(shardJob, k, observed.shardPods(k)));
                }
                if (outcome instanceof RoundOutcome.Succeeded ok) {
                    if (!RunPhase.SUCCEEDED.equals(status.iteration(k).phase)) {
                        var starved = PairYield.problem(k, ok.result(), spec);
                        if (starved.isPresent()) {
                            status.iteration(k).metrics = ok.result().metrics();
                            roundFailed(k, new RoundOutcome.Failed(ok.attempts(), PairYield.REASON, starved.get()));
                            return;
                        }
                        roundSucceeded(k, ok);
                    }
                    if (guardStopped(status.iteration(k))) {
                        stopEarly(k, status.iteration(k));
                        return;
                    }
                    if (declined(k)) return;
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
                actions.add(Emit.normal(RunEvents.RUN_COMPLETE, "all " + (spec.iterations + 1) + " rounds succeeded; "
                        + "latest checkpoint " + status.latestCheckpoint));
            }
        }

        /** The round reported that the guard kept it from training (recorded with its metrics). */
        private static boolean guardStopped(IterationStatus entry) {
            return RoundResult.guardStopped(entry.metrics);
        }

        /** A guarded round ends the run as Succeeded, with the reason in the conditions; no later round starts. */
        private void stopEarly(int k, IterationStatus entry) {
            stop(k, RunEvents.JUDGE_ACCURACY_BELOW_THRESHOLD, Guard.stopped(k, RoundResult.judgeAccuracy(entry.metrics),
                    run.getSpec().guard.minJudgeAccuracy) + " and the run stopped");
        }

        /**
         * With {@code guard.stopOnDecline}, a round whose trained model is significantly less accurate on the held-out
         * pairs than an earlier one ends the run before the next round: self-labelling has drifted, and later rounds
         * learn from the worse model's labels.
         */
        private boolean declined(int k) {
            if (!Boolean.TRUE.equals(run.getSpec().guard.stopOnDecline) || k >= run.getSpec().iterations) return false;
            List<BestRound.Scored> rounds = trainedRounds(k);
            var from = BestRound.declinedFrom(rounds);
            if (from.isEmpty() || rounds.get(rounds.size() - 1).iteration() != k) return false;
            stop(k, RunEvents.VALIDATION_DECLINED, BestRound.declineMessage(rounds.get(rounds.size() - 1), from.get()));
            return true;
        }

        private void stop(int k, String reason, String message) {
            stopReason = reason;
            stopMessage = message;
            if (RunPhase.SUCCEEDED.equals(status.phase)) return;
            status.phase = RunPhase.SUCCEEDED;
            status.currentIteration = k;
            status.completionTime = now();
            setBest();
            actions.add(Emit.warning(reason, stopMessage
                    + (status.bestCheckpoint == null ? "" : "; best checkpoint " + status.bestCheckpoint + " (iteration " + status.bestIteration + ")")));
        }

        /** The trained rounds up to {@code k} with their held-out accuracy, in order. */
        private List<BestRound.Scored> trainedRounds(int k) {
            return BestRound.of(status.trainedRoundMetrics(k));
        }

        /**
         * bestIteration/bestCheckpoint: the latest trained round whose held-out accuracy is not significantly below
         * the highest ({@link BestRound}); judgeAccuracy: the latest round's judge_accuracy.
         */
        private void setBest() {
            if (status.iterations == null) return;
            BestRound.choose(trainedRounds(Integer.MAX_VALUE)).ifPresent(best -> {
                status.bestIteration = best.iteration();
                status.bestCheckpoint = status.iteration(best.iteration()).checkpoint;
            });
            for (IterationStatus it : status.iterations) {
                Double j = RunPhase.SUCCEEDED.equals(it.phase) ? RoundResult.judgeAccuracy(it.metrics) : null;
                if (j != null) status.judgeAccuracy = j;
            }
        }

        private void skipSeedRound() {
            IterationStatus entry = status.iteration(0);
            entry.phase = RunPhase.SUCCEEDED;
            entry.startTime = entry.finishTime = now();
            entry.message = SEED_SKIPPED;
            entry.attempts = 0;
            actions.add(Emit.normal(RunEvents.ROUND_SKIPPED, "iteration 0 skipped: " + SEED_SKIPPED));
        }

        private void suspend(int k, boolean wasSuspended) {
            status.phase = RunPhase.SUSPENDED;
            status.currentIteration = k;
            if (!wasSuspended) actions.add(Emit.normal(RunEvents.RUN_SUSPENDED, "suspended before iteration " + k));
        }

        /** Round k runs as a generate stage of {@code generation.shards} pods, then a training pod. */
        private boolean sharded(int k) {
            return k >= 1 && run.getSpec().generation.shards > 1;
        }

        private void startShards(int k, IterationStatus existing) {
            IterationStatus entry = status.iteration(k);
            entry.phase = RunPhase.PENDING;
            entry.job = Rounds.shardJobName(run.getMetadata().getName(), k);
            entry.stage = generatingStage(0, run.getSpec().generation.shards);
            if (existing == null || existing.startTime == null) entry.startTime = now();
            if (entry.attempts == null) entry.attempts = 0;
            runStarted(k);
            actions.add(new CountShards(0, run.getSpec().generation.shards));
            actions.add(new StartShards(k));
        }

        private void shardsRunning(int k, Job job, ShardsOutcome.Generating generating, boolean wasSuspended) {
            followJob(k, job, generating.suspended(), generating.attempts(), wasSuspended);
            status.iteration(k).stage = generatingStage(generating.completed(), generating.shards());
            actions.add(new CountShards(generating.completed(), generating.shards()));
        }

        private static String generatingStage(int completed, int shards) {
            return "Generating " + completed + "/" + shards + " shards";
        }

        /** @param shards the finished generate stage of a sharded round, or null */
        private void startRound(int k, IterationStatus existing, ShardsOutcome.Generated shards) {
            IterationStatus entry = status.iteration(k);
            entry.phase = RunPhase.PENDING;
            entry.job = Rounds.jobName(run.getMetadata().getName(), k);
            if (shards != null) {
                trainingAfter(k, shards);
                actions.add(new CountShards(shards.shards(), shards.shards()));
            }
            if (existing == null || existing.startTime == null) entry.startTime = now();
            if (entry.attempts == null) entry.attempts = 0;
            runStarted(k);
            actions.add(new StartRound(k));
        }

        /** Round k's stage is training, after its generate stage (whose duration the entry keeps). */
        private void trainingAfter(int k, ShardsOutcome shards) {
            IterationStatus entry = status.iteration(k);
            entry.stage = TRAINING;
            if (shards instanceof ShardsOutcome.Generated g && g.seconds() != null) stageSeconds(entry).put("generate", g.seconds());
        }

        private void runStarted(int k) {
            status.phase = RunPhase.RUNNING;
            status.currentIteration = k;
            if (status.startTime == null) status.startTime = now();
            if (status.inputs == null) status.inputs = SpecValidator.inputs(run.getSpec());
            status.workspaceClaim = RoundResources.claimName(run);
        }

        private static Map<String, Double> stageSeconds(IterationStatus entry) {
            if (entry.stageSeconds == null) entry.stageSeconds = new java.util.LinkedHashMap<>();
            return entry.stageSeconds;
        }

        private void roundSucceeded(int k, RoundOutcome.Succeeded ok) {
            RoundResult r = ok.result();
            IterationStatus entry = status.iteration(k);
            entry.phase = RunPhase.SUCCEEDED;
            entry.job = Rounds.jobName(run.getMetadata().getName(), k);
            entry.attempts = ok.attempts();
            entry.finishTime = now();
            entry.checkpoint = r.checkpoint();
            entry.metrics = r.metrics();
            entry.message = r.message();
            if (entry.stage != null) {
                entry.stage = null;
                stageSeconds(entry).put("train", r.durationSeconds());
            }
            // A round the guard kept from training wrote no model: the latest checkpoint stays the previous one.
            if (r.checkpoint() != null) status.latestCheckpoint = r.checkpoint();
            status.currentIteration = k;
            setBest();
            heldOutOverlap(k, entry);
            actions.add(new CountRoundSucceeded(Duration.ofMillis(Math.round(r.durationSeconds() * 1000)), r.metrics()));
            actions.add(Emit.normal(RunEvents.ROUND_SUCCEEDED, "iteration " + k + " succeeded: "
                    + (r.checkpoint() == null ? "no checkpoint" : "checkpoint " + r.checkpoint()) + (r.message() == null ? "" : "; " + r.message())));
        }

        /**
         * Held-out pairs whose prompts the run trains on (the trainer compares them: the operator cannot read the
         * workspace) make judge_accuracy and validation_accuracy look better than they are: said once per run, on the
         * first round that reports it, in an event and the round's message.
         */
        private void heldOutOverlap(int k, IterationStatus entry) {
            Double overlap = entry.metrics == null ? null : entry.metrics.get(VALIDATION_PROMPT_OVERLAP);
            if (overlap == null || overlap <= 0) return;
            boolean said = status.iterations.stream().anyMatch(it -> it.index < k && it.metrics != null
                    && it.metrics.getOrDefault(VALIDATION_PROMPT_OVERLAP, 0.0) > 0);
            if (said) return;
            String warning = String.format(java.util.Locale.ROOT, "%.0f%% of spec.data.validationPreferences' pairs have a prompt "
                    + "the run trains on (spec.data.seedPreferences or spec.data.prompts): judge_accuracy, validation_accuracy and "
                    + "bestIteration overstate accuracy on unseen prompts; hold out pairs on prompts no round uses", overlap * 100);
            entry.message = (entry.message == null ? "" : entry.message + "; ") + "warning: " + warning;
            actions.add(Emit.warning(VALIDATION_OVERLAP, "iteration " + k + ": " + warning));
        }

        void roundFailed(int k, RoundOutcome.Failed failed) {
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
            actions.add(new CountRoundFailed(failed.reason()));
            actions.add(Emit.warning(RunEvents.ROUND_FAILED, failureMessage));
        }

        private void roundRunning(int k, Job job, RoundOutcome.Running running, boolean wasSuspended) {
            followJob(k, job, running.suspended(), running.attempts(), wasSuspended);
        }

        /** A running Job of round k (the round's, or its generate stage): suspended or resumed with the spec. */
        private void followJob(int k, Job job, boolean jobSuspended, int attempts, boolean wasSuspended) {
            boolean suspend = run.getSpec().suspend;
            if (suspend != jobSuspended) {
                actions.add(new SetJobSuspended(job, suspend));
                if (!suspend) actions.add(Emit.normal(RunEvents.RUN_RESUMED, "iteration " + k + " resumed"));
            }
            IterationStatus entry = status.iteration(k);
            entry.job = job.getMetadata().getName();
            entry.phase = suspend ? RunPhase.SUSPENDED : RunPhase.RUNNING;
            entry.attempts = attempts;
            status.currentIteration = k;
            if (suspend) {
                suspend(k, wasSuspended);
            } else {
                status.phase = RunPhase.RUNNING;
            }
        }

        /** The derived counters and the conditions. */
        RunDecision finish(List<String> problems) {
            status.completedIterations = status.iterations == null ? 0
                    : (int) status.iterations.stream().filter(it -> RunPhase.SUCCEEDED.equals(it.phase)).count();
            status.observedGeneration = run.getMetadata().getGeneration();
            status.conditions = ConditionsBuilder.build(
                    new ConditionsBuilder.RunState(status.phase, problems, status.currentIteration,
                            run.getSpec() == null ? 0 : run.getSpec().iterations, failureReason, failureMessage,
                            stopReason, stopMessage),
                    run.getStatus() == null ? null : run.getStatus().conditions,
                    run.getMetadata().getGeneration(), now);
            return new RunDecision(status, List.copyOf(actions));
        }

        private String now() {
            return now.toString();
        }
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
