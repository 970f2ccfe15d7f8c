package io.selfalign.operator.round;

/**
 * Names of the Kubernetes objects every part of the operator agrees on; the names and paths shared with
 * the trainer are {@link io.selfalign.api.round.RoundContract}'s.
 */
public final class Rounds {
    /** Label on every object the operator creates for a run: the run's name. */
    public static final String RUN_LABEL = "selfalign.io/run";
    /** Label on a round's Job, pod and ConfigMap: the round's index. */
    public static final String ITERATION_LABEL = "selfalign.io/iteration";
    /** Label on the generate stage's Job and pods of a sharded round (value {@link #STAGE_GENERATE}); the round Job has none. */
    public static final String STAGE_LABEL = "selfalign.io/stage";
    public static final String STAGE_GENERATE = "generate";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "selfalign-operator";

    public static final int METRICS_PORT = 9400;
    public static final String CONTAINER = "trainer";

    /** Longest run name whose derived names ({@code <run>-iter-50}, {@code <run>-workspace}) stay within 63 characters. */
    public static final int MAX_RUN_NAME = 52;

    private Rounds() {}

    /** Name of round {@code k}'s Job and ConfigMap. */
    public static String jobName(String run, int k) {
        return run + "-iter-" + k;
    }

    /**
     * Name of sharded round {@code k}'s generate-stage Job: {@code <run>-gen-<k>}, shorter than the round Job's, so that
     * its pods' hostnames ({@code <job>-<index>}) stay within 63 characters too.
     */
    public static String shardJobName(String run, int k) {
        return run + "-gen-" + k;
    }

    /** Name of the claim the operator creates when the run asks for one. */
    public static String ownedClaimName(String run) {
        return run + "-workspace";
    }
}
