package io.selfalign.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
    private static final double NaN = Double.NaN;

    /** A stage; with a label accuracy it is an SPA iteration whose round reported a judge accuracy 10 points lower. */
    private static StageResult r(long seed, String arm, int it, double wr, double acc) {
        SelfLabelAccuracy labels = Double.isNaN(acc) ? null : new SelfLabelAccuracy(100, 0, acc, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN);
        Map<String, Double> round = Double.isNaN(acc) ? Map.of() : Map.of("judge_accuracy", acc / 100 - 0.1);
        return new StageResult("keysort", seed, arm, it, 500, wr, wr + 1, 2.0, 2.5, 4.0, NaN, 0.5, labels, round, 10);
    }

    private final List<StageResult> results = List.of(
            r(0, "sft", 0, 50, NaN), r(1, "sft", 0, 52, NaN),
            r(0, "spa", 0, 60, NaN), r(1, "spa", 0, 64, NaN),
            r(0, "spa", 1, 70, 80), r(1, "spa", 1, 74, 60));

    @Test
    void tableShowsMeanAndSampleSdOverSeeds() {
        String table = BenchReport.table(results);
        List<String> lines = table.lines().toList();
        assertEquals(4, lines.size(), table);
        assertTrue(lines.get(0).startsWith("task     arm"), table);
        // win-rates 70 and 74: mean 72, sample sd √8 = 2.8; accuracies 80 and 60: mean 70, sd 14.1
        assertTrue(lines.get(3).contains("72.0 ± 2.8"), table);
        assertTrue(lines.get(3).contains("70.0 ± 14.1"), table);
        assertTrue(lines.get(3).contains("60.0 ± 14.1"), "judge accuracy from the round's metrics, as %: " + table);
        assertTrue(lines.get(1).matches("keysort\\s+sft\\s+0\\s+2\\s+51\\.0 ± 1\\.4.*"), table);
        assertTrue(lines.get(1).contains(" - "), "NaN metrics show as '-': " + table);
    }

    @Test
    void csvHasOneRowPerSeedArmAndStage(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("bench.csv");
        BenchReport.writeCsv(results, csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(7, lines.size());
        assertEquals("task,seed,arm,iteration,prompts,win_rate,greedy_win_rate,mean_reward,greedy_mean_reward,mean_length,habit_share,kl,"
                + "judge_accuracy,validation_accuracy,self_label_accuracy,accuracy_chosen_longer,accuracy_equal_length,"
                + "accuracy_chosen_shorter,chosen_longer_fraction,habit_pair_accuracy,flagged_accuracy,unflagged_accuracy,flagged_fraction,"
                + "truncated_fraction,skipped_prompts,seconds", lines.get(0));
        assertEquals("keysort,1,spa,1,500,74.0000,75.0000,2.0000,2.5000,4.0000,,0.5000,50.0000,,60.0000,,,,,,,,,,,10.0000", lines.get(6));
    }

    @Test
    void plotIsAPng(@TempDir Path dir) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path png = dir.resolve("winrate.png");
        BenchReport.writePlot(results, "keysort", png);
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 4);
        assertEquals("\u0089PNG", new String(head, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}
