package io.selfalign.testkit.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.concurrent.CompletableFuture;

/** Runs a round's pod somewhere (a local process, a test script) for the {@link Kubelet}. */
public interface PodRunner {
    /**
     * Starts attempt {@code attempt} (0-based, preempted attempts included) of the Job's pod.
     *
     * @return completes when the pod ends; it may never complete (a pod that keeps running)
     */
    CompletableFuture<PodEnd> start(Job job, Pod pod, int attempt);

    /** Stops a running pod whose Job was suspended or deleted; its future need not complete. */
    void stop(Pod pod);
}
