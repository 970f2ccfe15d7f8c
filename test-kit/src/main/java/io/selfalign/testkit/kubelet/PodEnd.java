package io.selfalign.testkit.kubelet;

/** How one pod of a round ended. */
public sealed interface PodEnd {
    /** Exit 0 with this termination message. */
    record Succeed(String terminationMessage) implements PodEnd {}

    /** Non-zero exit with a termination message. */
    record Fail(int exitCode, String terminationMessage) implements PodEnd {}

    /** The pod was preempted or its node drained (DisruptionTarget): Kubernetes does not count it as a failure. */
    record Disrupt() implements PodEnd {}
}
