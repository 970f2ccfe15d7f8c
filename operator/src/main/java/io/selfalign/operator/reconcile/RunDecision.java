package io.selfalign.operator.reconcile;

import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import java.util.List;

/** The status a reconciliation records and, after that, the actions it takes in order. */
record RunDecision(AlignmentRunStatus status, List<RunAction> actions) {}
