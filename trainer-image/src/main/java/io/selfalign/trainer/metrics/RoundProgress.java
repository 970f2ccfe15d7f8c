package io.selfalign.trainer.metrics;

import io.selfalign.trainer.train.PreferenceTrainer;
import java.util.List;
import java.util.Locale;

/**
 * The live state of a running round, read by the Prometheus endpoint and the stderr progress line
 * while the round's own thread updates it.
 */
public final class RoundProgress {
    /** The stages of a round, in order. */
    public static final List<String> STAGES = List.of("load", "generate", "judge", "guidance", "train", "save", "done");

    private final int iteration;
    private final long startNanos = System.nanoTime();
    private volatile String stage = "load";
    private volatile long done;
    private volatile long total;
    private volatile PreferenceTrainer.StepMetrics lastStep;

    public RoundProgress(int iteration) {
        this.iteration = iteration;
    }

    /** Enters a stage with {@code total} units of work (prompts, pairs, optimizer steps; 0 if unknown). */
    public void stage(String name, long total) {
        if (!STAGES.contains(name)) throw new IllegalArgumentException("unknown stage " + name);
        this.done = 0;
        this.total = total;
        this.stage = name;
    }

    public void advance(long doneUnits) {
        this.done = doneUnits;
    }

    public void step(PreferenceTrainer.StepMetrics m) {
        this.lastStep = m;
        this.done = m.step() + 1;
    }

    public int iteration() {
        return iteration;
    }

    public String stage() {
        return stage;
    }

    /** Share of the current stage done, 0..1 (0 when its size is unknown). */
    public double stageProgress() {
        long t = total;
        return t == 0 ? 0 : Math.min(1.0, (double) done / t);
    }

    public PreferenceTrainer.StepMetrics lastStep() {
        return lastStep;
    }

    /** One human-readable line: where the round is and, while training, the latest step's numbers. */
    public String line() {
        String elapsed = String.format(Locale.ROOT, "%.0fs", (System.nanoTime() - startNanos) / 1e9);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "[iter %d %s] %s %d/%d", iteration, elapsed, stage, done, total));
        PreferenceTrainer.StepMetrics m = lastStep;
        if (m != null && stage.equals("train")) {
            b.append(String.format(Locale.ROOT, " loss %.4f margin %.4f acc %.2f lr %.3g", m.loss(), m.margin(), m.accuracy(), m.learningRate()));
            if (m.flaggedFraction() > 0) b.append(String.format(Locale.ROOT, " flagged %.2f", m.flaggedFraction()));
            b.append(String.format(Locale.ROOT, " %.0f tok/s", m.tokensPerSecond()));
        }
        return b.toString();
    }
}
