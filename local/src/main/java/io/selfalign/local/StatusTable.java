package io.selfalign.local;

import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.api.v1alpha1.AlignmentRunStatus;
import io.selfalign.api.v1alpha1.IterationStatus;
import io.selfalign.api.v1alpha1.RunPhase;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/** One line per change of a run's status: phase, round, rounds done, and the last round's key metrics. */
public final class StatusTable {
    /**
     * Shown first when a round reports them (what was labelled, how well its judge and its trained model order the
     * held-out gold pairs, how well the self-labels agree with the seed's (in-sample),
     * what refinement flagged, how training went); other metrics follow alphabetically up to {@link #MAX_METRICS}.
     */
    static final List<String> KEY_METRICS =
            List.of("pairs", "judge_accuracy", "validation_accuracy", "seed_agreement", "flagged_fraction", "accuracy", "margin", "loss_final");
    static final int MAX_METRICS = 6;
    static final String HEADER = String.format("%-8s  %-10s  %-9s  %-5s  %s", "TIME", "PHASE", "ITERATION", "DONE", "LAST ROUND");

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private String last;

    /** The line for this status, or null when nothing shown changed. */
    public String update(AlignmentRun run) {
        if (run.getStatus() == null) return null;
        String line = render(run);
        if (Objects.equals(line, last)) return null;
        last = line;
        return String.format("%-8s  %s", LocalTime.now().format(TIME), line);
    }

    static String render(AlignmentRun run) {
        AlignmentRunStatus s = run.getStatus();
        String iteration = (s.currentIteration == null ? "-" : s.currentIteration) + "/" + run.getSpec().iterations;
        String done = (s.completedIterations == null ? 0 : s.completedIterations) + "/" + (run.getSpec().iterations + 1);
        return String.format("%-10s  %-9s  %-5s  %s", s.phase, iteration, done, stage(s) + lastRound(s));
    }

    /** A sharded round's stage in progress ({@code [iter 1: Generating 1/2 shards] }), or nothing. */
    static String stage(AlignmentRunStatus s) {
        IterationStatus current = s.currentIteration == null ? null : s.findIteration(s.currentIteration);
        return current == null || current.stage == null || current.phase != RunPhase.RUNNING ? ""
                : "[iter " + current.index + ": " + current.stage + "] ";
    }

    private static String lastRound(AlignmentRunStatus s) {
        if (s.iterations == null) return "";
        IterationStatus latest = null;
        for (IterationStatus it : s.iterations) {
            if (it.metrics != null || it.message != null && !"Running".equals(it.phase)) latest = it;
        }
        if (latest == null) return "";
        if (latest.metrics == null || latest.metrics.isEmpty()) return "iter " + latest.index + ": " + latest.message;
        return "iter " + latest.index + ": " + metrics(latest.metrics);
    }

    static String metrics(Map<String, Double> metrics) {
        List<String> names = new ArrayList<>(KEY_METRICS.stream().filter(metrics::containsKey).toList());
        metrics.keySet().stream().sorted().filter(n -> !names.contains(n)).forEach(names::add);
        return names.stream().limit(MAX_METRICS).map(n -> n + "=" + format(metrics.get(n))).collect(Collectors.joining(" "));
    }

    private static String format(Double v) {
        if (v == null) return "-";
        if (v == Math.rint(v) && Math.abs(v) < 1e9) return Long.toString(v.longValue());
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
