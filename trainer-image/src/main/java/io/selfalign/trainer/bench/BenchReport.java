package io.selfalign.trainer.bench;

import io.selfalign.api.round.BestRound;
import io.selfalign.trainer.files.AtomicWrite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The benchmark's outputs from its per-seed stage results: a console table (mean ± sd over seeds), a CSV
 * with one row per seed, arm and stage, and a PNG of gold win-rate per iteration for each arm.
 */
public final class BenchReport {
    /** Metric columns of the table and the CSV, in order. */
    private record Column(String title, String csv, String format, ToDoubleFunction<StageResult> value) {}

    private static final List<Column> COLUMNS = List.of(
            new Column("WR% T=.7", "win_rate", "%5.1f", StageResult::winRate),
            new Column("WR% greedy", "greedy_win_rate", "%5.1f", StageResult::greedyWinRate),
            new Column("mean r*", "mean_reward", "%5.2f", StageResult::meanReward),
            new Column("r* greedy", "greedy_mean_reward", "%5.2f", StageResult::greedyMeanReward),
            new Column("len", "mean_length", "%4.1f", StageResult::meanLength),
            new Column("habit%", "habit_share", "%5.1f", StageResult::habitShare),
            new Column("KL", "kl", "%5.2f", StageResult::kl),
            new Column("judge acc%", "judge_accuracy", "%5.1f", r -> 100 * r.roundMetric("judge_accuracy")),
            new Column("val acc%", "validation_accuracy", "%5.1f", r -> 100 * r.roundMetric("validation_accuracy")),
            new Column("label acc%", "self_label_accuracy", "%5.1f", r -> r.label(SelfLabelAccuracy::overall)),
            new Column("acc longer%", "accuracy_chosen_longer", "%5.1f", r -> r.label(SelfLabelAccuracy::longer)),
            new Column("acc equal%", "accuracy_equal_length", "%5.1f", r -> r.label(SelfLabelAccuracy::equal)),
            new Column("acc shorter%", "accuracy_chosen_shorter", "%5.1f", r -> r.label(SelfLabelAccuracy::shorter)),
            new Column("longer%", "chosen_longer_fraction", "%4.1f", r -> r.label(SelfLabelAccuracy::chosenLongerFraction)),
            new Column("habit-pair acc%", "habit_pair_accuracy", "%5.1f", r -> r.label(SelfLabelAccuracy::habit)),
            new Column("flagged acc%", "flagged_accuracy", "%5.1f", r -> r.label(SelfLabelAccuracy::flagged)),
            new Column("unflagged acc%", "unflagged_accuracy", "%5.1f", r -> r.label(SelfLabelAccuracy::unflagged)),
            new Column("flagged%", "flagged_fraction", "%4.1f", r -> r.label(SelfLabelAccuracy::flaggedFraction)),
            new Column("trunc%", "truncated_fraction", "%4.1f", r -> 100 * r.roundMetric("truncated")),
            new Column("skipped", "skipped_prompts", "%4.0f", r -> r.roundMetric("skipped_prompts")),
            new Column("time s", "seconds", "%5.0f", StageResult::seconds));

    private BenchReport() {}

    /** Results grouped by task, arm and stage, in the order they first appear. */
    static Map<String, List<StageResult>> byStage(List<StageResult> results) {
        Map<String, List<StageResult>> groups = new LinkedHashMap<>();
        for (StageResult r : results) {
            groups.computeIfAbsent(r.task() + "\u0000" + r.arm() + "\u0000" + r.iteration(), k -> new ArrayList<>()).add(r);
        }
        return groups;
    }

    /** The console table: one line per arm and stage, each cell "mean ± sd" over seeds (just the mean for one seed). */
    public static String table(List<StageResult> results) {
        List<String[]> rows = new ArrayList<>();
        String[] header = new String[COLUMNS.size() + 4];
        header[0] = "task";
        header[1] = "arm";
        header[2] = "iter";
        header[3] = "seeds";
        for (int c = 0; c < COLUMNS.size(); c++) header[c + 4] = COLUMNS.get(c).title();
        rows.add(header);
        for (List<StageResult> group : byStage(results).values()) {
            String[] row = new String[header.length];
            row[0] = group.get(0).task();
            row[1] = group.get(0).arm();
            row[2] = Integer.toString(group.get(0).iteration());
            row[3] = Integer.toString(group.size());
            for (int c = 0; c < COLUMNS.size(); c++) row[c + 4] = cell(group, COLUMNS.get(c));
            rows.add(row);
        }
        return render(rows);
    }

    /** Columns padded to their widest cell; the first two left-aligned. */
    private static String render(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) for (int c = 0; c < row.length; c++) width[c] = Math.max(width[c], row[c].length());
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                if (c > 0) sb.append("  ");
                sb.append(pad(row[c], width[c], c < 2));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The stages' held-out accuracies as the operator reads them from status, for {@link BestRound}. */
    static List<BestRound.Scored> scored(List<StageResult> stages) {
        SortedMap<Integer, Map<String, Double>> rounds = new TreeMap<>();
        for (StageResult r : stages) if (r.round() != null) rounds.put(r.iteration(), r.round());
        return BestRound.of(rounds);
    }

    /**
     * Per task and iterating arm, the stage a run would name {@code status.bestCheckpoint} ({@link BestRound}) beside
     * its iteration 0 (the DPO-seed model) and its last stage: win-rates as mean ± sd over seeds, and the chosen
     * iteration of each seed.
     */
    public static String recommended(List<StageResult> results) {
        Map<String, List<StageResult>> runs = new LinkedHashMap<>();
        for (StageResult r : results) {
            runs.computeIfAbsent(r.task() + "\u0000" + r.arm() + "\u0000" + r.seed(), k -> new ArrayList<>()).add(r);
        }
        Map<String, List<StageResult[]>> byArm = new LinkedHashMap<>();
        for (List<StageResult> run : runs.values()) {
            if (run.size() < 2) continue;
            var best = BestRound.choose(scored(run));
            if (best.isEmpty()) continue;
            StageResult chosen = run.stream().filter(r -> r.iteration() == best.get().iteration()).findFirst().orElseThrow();
            byArm.computeIfAbsent(run.get(0).task() + "\u0000" + run.get(0).arm(), k -> new ArrayList<>())
                    .add(new StageResult[] {run.get(0), chosen, run.get(run.size() - 1)});
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"task", "arm", "seeds", "best iter", "WR% best", "WR% iter 0", "WR% last"});
        Column wr = COLUMNS.get(0);
        for (List<StageResult[]> arm : byArm.values()) {
            rows.add(new String[] {arm.get(0)[0].task(), arm.get(0)[0].arm(), Integer.toString(arm.size()),
                    String.join(",", arm.stream().map(t -> Integer.toString(t[1].iteration())).toList()),
                    cell(arm.stream().map(t -> t[1]).toList(), wr), cell(arm.stream().map(t -> t[0]).toList(), wr),
                    cell(arm.stream().map(t -> t[2]).toList(), wr)});
        }
        return rows.size() == 1 ? "" : "status.bestCheckpoint per arm (docs/judge.md):\n" + render(rows);
    }

    private static String cell(List<StageResult> group, Column col) {
        double[] v = group.stream().mapToDouble(col.value()).filter(x -> !Double.isNaN(x)).toArray();
        if (v.length == 0) return "-";
        double mean = java.util.Arrays.stream(v).average().orElseThrow();
        String m = String.format(Locale.ROOT, col.format(), mean).trim();
        if (v.length == 1) return m;
        double ss = 0;
        for (double x : v) ss += (x - mean) * (x - mean);
        return m + " ± " + String.format(Locale.ROOT, col.format(), Math.sqrt(ss / (v.length - 1))).trim();
    }

    private static String pad(String s, int w, boolean left) {
        String fill = " ".repeat(w - s.length());
        return left ? s + fill : fill + s;
    }

    /** One row per seed, arm and stage; NaN cells are empty. */
    public static void writeCsv(List<StageResult> results, Path file) throws IOException {
        StringBuilder sb = new StringBuilder("task,seed,arm,iteration,prompts");
        for (Column c : COLUMNS) sb.append(',').append(c.csv());
        sb.append('\n');
        for (StageResult r : results) {
            sb.append(r.task()).append(',').append(r.seed()).append(',').append(r.arm()).append(',').append(r.iteration()).append(',').append(r.prompts());
            for (Column c : COLUMNS) {
                double v = c.value().applyAsDouble(r);
                sb.append(',');
                if (!Double.isNaN(v)) sb.append(String.format(Locale.ROOT, "%.4f", v));
            }
            sb.append('\n');
        }
        AtomicWrite.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Gold win-rate (mean over seeds, T=0.7 samples) per iteration for each arm of one task. Single-stage arms
     * (SFT, DPO on 100%) are drawn as flat dashed reference lines across the iteration axis.
     */
    public static void writePlot(List<StageResult> results, String task, Path file) throws IOException {
        Map<String, List<StageResult>> groups = byStage(results.stream().filter(r -> r.task().equals(task)).toList());
        Map<String, Map<Integer, Double>> perArm = new LinkedHashMap<>();
        int maxIter = 0;
        for (List<StageResult> g : groups.values()) {
            double mean = g.stream().mapToDouble(StageResult::winRate).average().orElseThrow();
            perArm.computeIfAbsent(g.get(0).arm(), k -> new TreeMap<>()).put(g.get(0).iteration(), mean);
            maxIter = Math.max(maxIter, g.get(0).iteration());
        }
        XYChart chart = new XYChartBuilder().width(900).height(560).title(task + ": gold win-rate vs SFT per iteration")
                .xAxisTitle("iteration (0 = seed stage)").yAxisTitle("gold win-rate vs SFT (%)").build();
        chart.getStyler().setDecimalPattern("#0");
        chart.getStyler().setXAxisDecimalPattern("0");
        for (Map.Entry<String, Map<Integer, Double>> arm : perArm.entrySet()) {
            Map<Integer, Double> pts = arm.getValue();
            List<Integer> xs = new ArrayList<>(pts.keySet());
            List<Double> ys = new ArrayList<>(pts.values());
            boolean flat = pts.size() == 1 && maxIter > 0;
            if (flat) {
                xs = List.of(0, maxIter);
                ys = List.of(ys.get(0), ys.get(0));
            }
            XYSeries s = chart.addSeries(arm.getKey(), xs, ys);
            if (flat) {
                s.setMarker(SeriesMarkers.NONE);
                s.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                        10f, new float[] {6f, 4f}, 0f));
            }
        }
        // The temporary name ends in .png too, or XChart would append the extension.
        AtomicWrite.write(file, tmp -> BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG));
    }
}
