package io.selfalign.api.round;

/**
 * The fixed names and numbers of the round contract that the operator, the trainer and the local mode
 * must agree on: where the round file and the workspace are mounted, where the trainer leaves its
 * outputs and its summary, and what its exit code means.
 */
public final class RoundContract {
    /** The trainer's exit code for an invalid round spec or input (sysexits EX_CONFIG): never retried. */
    public static final int EXIT_INVALID_INPUT = 78;
    /**
     * The trainer's exit code when another trainer holds the same round (sysexits EX_TEMPFAIL): a retryable
     * failure, since the holder may die and release the round.
     */
    public static final int EXIT_ROUND_BUSY = 75;
    /** Where the trainer writes its one-line JSON summary; Kubernetes copies it into the pod status. */
    public static final String TERMINATION_LOG = "/dev/termination-log";

    /** Directory of the mounted round ConfigMap. */
    public static final String ROUND_DIR = "/etc/selfalign";
    public static final String ROUND_FILE = "round.json";
    public static final String ROUND_PATH = ROUND_DIR + "/" + ROUND_FILE;

    /** Mount point of the workspace volume in the trainer pod. */
    public static final String WORKSPACE = "/workspace";

    /** The round's outputs inside {@code outputDir}. */
    public static final String MODEL_DIR = "model";
    /** A LoRA round's trained adapters in PEFT's format (besides the merged {@link #MODEL_DIR}). */
    public static final String ADAPTER_DIR = "adapter";
    /** The token-level guidance model of a round whose judge or loss uses one (a LlamaForTokenClassification checkpoint). */
    public static final String GUIDANCE_DIR = "guidance";
    public static final String RESULT_FILE = "result.json";
    public static final String PAIRS_FILE = "pairs.jsonl";
    public static final String METRICS_FILE = "metrics.jsonl";

    /**
     * Sharded rounds ({@code generation.shards} > 1): the generate stage runs as {@code round --stage generate} in
     * each pod of an Indexed Job, which gives the pod its shard index in this variable.
     */
    public static final String SHARD_INDEX_ENV = "JOB_COMPLETION_INDEX";
    /** The {@code round} command's option and value that select the generate stage of one shard. */
    public static final String STAGE_OPTION = "--stage";
    public static final String STAGE_GENERATE = "generate";
    /** A shard's outputs inside its directory: one line per prompt, then (last, atomically) its record. */
    public static final String CANDIDATES_FILE = "candidates.jsonl";
    public static final String SHARD_FILE = "shard.json";

    private RoundContract() {}

    /**
     * Shard i's directory of the round whose outputs go to {@code outputDir}: {@code .iter-<k>.shards/shard-<i>}
     * beside it, so the round's own output directory still appears in one rename.
     */
    public static String shardDir(String outputDir, int shard) {
        int slash = outputDir.lastIndexOf('/');
        return outputDir.substring(0, slash + 1) + "." + outputDir.substring(slash + 1) + ".shards/shard-" + shard;
    }

    /** A path relative to the workspace root as the trainer pod sees it. */
    public static String inWorkspace(String relative) {
        return WORKSPACE + "/" + relative;
    }

    /** The run's directory inside the pod: {@code /workspace/runs/<namespace>/<run>}. */
    public static String runDir(String namespace, String run) {
        return WORKSPACE + "/runs/" + namespace + "/" + run;
    }

    /** Round k's output directory: {@code /workspace/runs/<namespace>/<run>/iter-<k>}. */
    public static String outputDir(String namespace, String run, int k) {
        return runDir(namespace, run) + "/iter-" + k;
    }

    /** The checkpoint round k writes. */
    public static String modelDir(String namespace, String run, int k) {
        return outputDir(namespace, run, k) + "/" + MODEL_DIR;
    }

    /** The guidance model round k writes (runs with {@code judge.kind} or {@code training.loss} guidance). */
    public static String guidanceDir(String namespace, String run, int k) {
        return outputDir(namespace, run, k) + "/" + GUIDANCE_DIR;
    }
}
