package io.selfalign.operator.status;

/** Values of {@code status.phase} and {@code status.iterations[].phase}. */
public final class Phases {
    public static final String PENDING = "Pending";
    public static final String RUNNING = "Running";
    public static final String SUSPENDED = "Suspended";
    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";

    public static final java.util.List<String> RUN_PHASES = java.util.List.of(PENDING, RUNNING, SUSPENDED, SUCCEEDED, FAILED);

    private Phases() {}
}
