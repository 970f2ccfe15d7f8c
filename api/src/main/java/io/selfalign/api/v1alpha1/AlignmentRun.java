package io.selfalign.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An iterative preference-alignment run (SPA): a seed round followed by {@code spec.iterations}
 * generate → self-label → preference-train rounds, each executed as a Kubernetes Job.
 */
@Group(AlignmentRun.GROUP)
@Version(AlignmentRun.VERSION)
@ShortNames("arun")
// kubectl shows these in this order: the generator sorts them by jsonPath, so the CRD in crds/ restores this order
// (OperatorApplicationTest checks it).
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Iteration", jsonPath = ".status.currentIteration", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Iterations", jsonPath = ".spec.iterations", type = AdditionalPrinterColumn.Type.INTEGER)
// A filter by type, never [-1:]: the last condition is not necessarily Complete.
@AdditionalPrinterColumn(name = "Complete", jsonPath = ".status.conditions[?(@.type==\"Complete\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Judge Acc", jsonPath = ".status.judgeAccuracy", type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "Best", jsonPath = ".status.bestIteration", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class AlignmentRun extends CustomResource<AlignmentRunSpec, AlignmentRunStatus> implements Namespaced {
    public static final String GROUP = "selfalign.io";
    public static final String VERSION = "v1alpha1";
}
