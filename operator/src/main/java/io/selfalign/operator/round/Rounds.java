package io.selfalign.operator.round;

/** Names and paths every part of the operator agrees on. */
public final class Rounds {
    /** Label on every object the operator creates for a run: the run's name. */
    public static final String RUN_LABEL = "selfalign.io/run";
    /** Label on a round's Job, pod and ConfigMap: the round's index. */
    public static final String ITERATION_LABEL = "selfalign.io/iteration";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "selfalign-operator";

    public static final String WORKSPACE = "/workspace";
    public static final String ROUND_DIR = "/etc/selfalign";
    public static final String ROUND_FILE = "round.json";
    public static final String TERMINATION_LOG = "/dev/termination-log";
    public static final int METRICS_PORT = 9400;
    public static final String CONTAINER = "trainer";
    /** The trainer's exit code for an invalid round spec or input (sysexits EX_CONFIG): never retried. */
    public static final int EXIT_INVALID_INPUT = 78;

    /** Longest run name whose derived names ({@code <run>-iter-50}, {@code <run>-workspace}) stay within 63 characters. */
    public static final int MAX_RUN_NAME = 52;

    private Rounds() {}

    /** Name of round {@code k}'s Job and ConfigMap. */
    public static String jobName(String run, int k) {
        return run + "-iter-" + k;
    }

    /** Name of the claim the operator creates when the run asks for one. */
    public static String ownedClaimName(String run) {
        return run + "-workspace";
    }

    /** The run's output directory inside the pod. */
    public static String runDir(String namespace, String run) {
        return WORKSPACE + "/runs/" + namespace + "/" + run;
    }

    public static String outputDir(String namespace, String run, int k) {
        return runDir(namespace, run) + "/iter-" + k;
    }
}
