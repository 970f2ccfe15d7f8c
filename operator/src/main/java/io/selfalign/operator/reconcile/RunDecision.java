package io.selfalign.operator.reconcile;

import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import java.util.List;

/** The status a reconciliation records and the actions it takes, in order; starting a round, if any, is the last. */
record RunDecision(AlignmentRunStatus status, List<RunAction> actions) {}
