package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the operator observed. Written only by the operator. No field is pre-initialised to a non-empty
 * value: a JSON patch against a status that does not exist yet must be able to add it whole.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AlignmentRunStatus {
    @JsonPropertyDescription("Pending, Running, Suspended, Succeeded or Failed. Failed is final; Succeeded is final "
            + "unless spec.iterations is raised.")
    public RunPhase phase;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("The round in progress, or the last one when the run has finished (0 = the seed round).")
    public Integer currentIteration;

    @JsonPropertyDescription("Number of rounds that succeeded (the seed round included).")
    public Integer completedIterations;

    @JsonPropertyDescription("Checkpoint directory written by the last successful round, as seen inside the trainer pod.")
    public String latestCheckpoint;

    @JsonPropertyDescription("The latest round whose trained model's own accuracy on data.validationPreferences "
            + "(validation_policy_accuracy) is not significantly below the highest (one-sided two-proportion test at 5%) and not below the first round's (the "
            + "seed round, trained on human labels alone); unset without validation pairs.")
    public Integer bestIteration;

    @JsonPropertyDescription("Checkpoint of bestIteration, as seen inside the trainer pod: the model to use when the run "
            + "stopped early or a later round drifted.")
    public String bestCheckpoint;

    @JsonPropertyDescription("judge_accuracy of the latest round that measured it: the share of held-out gold pairs its "
            + "judge ordered like the gold labels.")
    public Double judgeAccuracy;

    @JsonPropertyDescription("When the first round was started (RFC 3339).")
    public String startTime;

    @JsonPropertyDescription("When the run reached Succeeded or Failed (RFC 3339).")
    public String completionTime;

    @JsonPropertyDescription("The claim mounted at /workspace; the operator deletes it with the run only if it "
            + "created it.")
    public String workspaceClaim;

    @JsonPropertyDescription("The spec fields every round depends on (model, data files, workspace) as they were when "
            + "the first round started, by field path; changing them afterwards makes the spec invalid.")
    public Map<String, String> inputs;

    @JsonPropertyDescription("One entry per round that was started, by index.")
    public List<IterationStatus> iterations;

    @JsonPropertyDescription("SpecValid, Progressing, Suspended, Complete and Failed, in the metav1.Condition shape.")
    public List<Condition> conditions;

    /** The entry of round {@code index}, created (Pending) if missing; keeps the list ordered by index. */
    public IterationStatus iteration(int index) {
        if (iterations == null) iterations = new ArrayList<>();
        for (int i = 0; i < iterations.size(); i++) {
            IterationStatus it = iterations.get(i);
            if (it.index == index) return it;
            if (it.index > index) {
                IterationStatus created = new IterationStatus(index);
                iterations.add(i, created);
                return created;
            }
        }
        IterationStatus created = new IterationStatus(index);
        iterations.add(created);
        return created;
    }

    /** The entry of round {@code index}, or null. */
    public IterationStatus findIteration(int index) {
        if (iterations == null) return null;
        return iterations.stream().filter(it -> it.index == index).findFirst().orElse(null);
    }

    /** The reported metrics of each round up to {@code upTo} that succeeded with a trained model, by index. */
    public SortedMap<Integer, Map<String, Double>> trainedRoundMetrics(int upTo) {
        SortedMap<Integer, Map<String, Double>> out = new TreeMap<>();
        if (iterations == null) return out;
        for (IterationStatus it : iterations) {
            if (it.index <= upTo && it.checkpoint != null && RunPhase.SUCCEEDED.equals(it.phase) && it.metrics != null) out.put(it.index, it.metrics);
        }
        return out;
    }
}
