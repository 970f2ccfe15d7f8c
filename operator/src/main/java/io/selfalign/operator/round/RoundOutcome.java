package io.selfalign.operator.round;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What a round's Job and pods say about the round. */
public sealed interface RoundOutcome {
    int attempts();

    /** The Job has neither completed nor failed. */
    record Running(int attempts, boolean suspended) implements RoundOutcome {}

    /** The Job completed and its pod reported a well-formed result. */
    record Succeeded(int attempts, RoundResult result) implements RoundOutcome {}

    /** The Job failed, or completed without a usable result. */
    record Failed(int attempts, String reason, String message) implements RoundOutcome {}

    /**
     * Reads the outcome of round {@code k}.
     *
     * @param pods the round's pods (any order)
     */
    static RoundOutcome of(Job job, int k, List<Pod> pods) {
        JobStatus st = job.getStatus();
        int attempts = st == null ? 0
                : zero(st.getFailed()) + zero(st.getSucceeded()) + zero(st.getActive());
        if (condition(st, "Complete")) {
            Optional<Pod> done = pods.stream().filter(p -> "Succeeded".equals(phase(p))).findFirst();
            if (done.isEmpty()) {
                return new Failed(attempts, "MissingResult", "Job " + name(job) + " completed but its succeeded pod is gone");
            }
            return parse(attempts, k, done.get());
        }
        Optional<JobCondition> failed = conditionOf(st, "Failed");
        if (failed.isPresent()) {
            return new Failed(attempts, reason(failed.get()), failureMessage(job, failed.get(), pods));
        }
        return new Running(attempts, Boolean.TRUE.equals(job.getSpec().getSuspend()));
    }

    private static RoundOutcome parse(int attempts, int k, Pod pod) {
        String message = terminated(pod).map(ContainerStateTerminated::getMessage).orElse(null);
        if (message == null || message.isBlank()) {
            return new Failed(attempts, "MissingResult", "pod " + name(pod) + " succeeded but wrote no termination message");
        }
        try {
            RoundResult result = RoundJson.readResult(message);
            if (result.iteration() != k) {
                return new Failed(attempts, "MalformedResult", "pod " + name(pod) + " reported iteration " + result.iteration()
                        + " for round " + k);
            }
            // Only a round the guard stopped before training has no checkpoint.
            if (!result.guardStopped() && (result.checkpoint() == null || result.checkpoint().isBlank())) {
                return new Failed(attempts, "MalformedResult", "pod " + name(pod) + " reported no checkpoint");
            }
            return new Succeeded(attempts, result);
        } catch (JsonProcessingException e) {
            return new Failed(attempts, "MalformedResult", "pod " + name(pod) + " wrote a termination message that is not a "
                    + "round result: " + e.getOriginalMessage() + " in '" + abbreviate(message) + "'");
        }
    }

    private static String failureMessage(Job job, JobCondition failed, List<Pod> pods) {
        StringBuilder m = new StringBuilder("Job ").append(name(job)).append(" failed (").append(reason(failed)).append(")");
        if (failed.getMessage() != null) m.append(": ").append(failed.getMessage());
        pods.stream()
                .filter(p -> "Failed".equals(phase(p)))
                .max(Comparator.comparing(p -> Objects.toString(p.getMetadata().getCreationTimestamp(), "")))
                .ifPresent(p -> terminated(p).ifPresent(t -> {
                    m.append("; last pod ").append(name(p)).append(" exited with code ").append(t.getExitCode());
                    if (t.getReason() != null) m.append(" (").append(t.getReason()).append(")");
                    if (t.getMessage() != null && !t.getMessage().isBlank()) m.append(": ").append(abbreviate(t.getMessage().strip()));
                }));
        return m.toString();
    }

    private static Optional<ContainerStateTerminated> terminated(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) return Optional.empty();
        return pod.getStatus().getContainerStatuses().stream()
                .filter(cs -> Rounds.CONTAINER.equals(cs.getName()))
                .map(ContainerStatus::getState)
                .filter(s -> s != null && s.getTerminated() != null)
                .map(s -> s.getTerminated())
                .findFirst();
    }

    private static boolean condition(JobStatus st, String type) {
        return conditionOf(st, type).isPresent();
    }

    private static Optional<JobCondition> conditionOf(JobStatus st, String type) {
        if (st == null || st.getConditions() == null) return Optional.empty();
        return st.getConditions().stream().filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
    }

    private static String reason(JobCondition c) {
        return c.getReason() == null ? "JobFailed" : c.getReason();
    }

    private static String phase(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    private static String name(io.fabric8.kubernetes.api.model.HasMetadata o) {
        return o.getMetadata().getName();
    }

    private static int zero(Integer i) {
        return i == null ? 0 : i;
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
