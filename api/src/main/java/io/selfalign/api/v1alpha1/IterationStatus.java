package io.selfalign.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** One round of a run. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IterationStatus {
    @JsonPropertyDescription("Round number: 0 is the seed round, k >= 1 the k-th self-labelling iteration.")
    public int index;

    @JsonPropertyDescription("Pending (recorded, Job being created), Running, Suspended, Succeeded or Failed.")
    public RunPhase phase;

    @JsonPropertyDescription("Name of the round's Job (and of its round.json ConfigMap).")
    public String job;

    @JsonPropertyDescription("What a sharded round (spec.generation.shards > 1) is doing: 'Generating 5/8 shards' (the "
            + "generate stage's Indexed Job, shards finished of all), then 'Training' (the round's Job); kept where a failed round stopped, absent once "
            + "the round succeeded and for unsharded rounds.")
    public String stage;

    @JsonPropertyDescription("Seconds each finished stage of a sharded round took: generate (the Indexed Job, start to "
            + "completion), train (the training pod's own duration: gather, select, train, save).")
    public Map<String, Double> stageSeconds;

    @JsonPropertyDescription("Pods started for this round so far; preempted pods are not counted as failures.")
    public Integer attempts;

    @JsonPropertyDescription("When the round was recorded (RFC 3339).")
    public String startTime;

    @JsonPropertyDescription("When the round succeeded or failed (RFC 3339).")
    public String finishTime;

    @JsonPropertyDescription("Checkpoint directory the round wrote, as seen inside the trainer pod.")
    public String checkpoint;

    @JsonPropertyDescription("Numeric metrics the round reported (pairs, loss_final, accuracy, flagged_fraction, ...).")
    public Map<String, Double> metrics;

    @JsonPropertyDescription("Human-readable outcome: the trainer's summary or the failure reason.")
    public String message;

    public IterationStatus() {}

    public IterationStatus(int index) {
        this.index = index;
    }
}
