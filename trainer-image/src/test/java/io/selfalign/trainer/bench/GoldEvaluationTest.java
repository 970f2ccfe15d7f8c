package io.selfalign.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import io.selfalign.trainer.keysort.KeySortTask;
import org.junit.jupiter.api.io.TempDir;

class GoldEvaluationTest {
    @Test
    void winRateCountsTiesAsHalf() {
        // win, loss, tie, win → (1 + 0 + 0.5 + 1) / 4
        assertEquals(62.5, GoldEvaluation.winRate(new double[] {3, 1, 2, 2.5}, new double[] {2, 2, 2, 1}), 1e-12);
    }

    @Test
    void klEstimateIsTheMeanLogProbGap() {
        assertEquals(0.75, GoldEvaluation.klEstimate(new double[] {-1, -2}, new double[] {-2, -2.5}), 1e-12);
    }

    @Test
    void selfLabelAccuracySplitsByFlagAndLength(@TempDir Path dir) throws Exception {
        Path pairs = dir.resolve("pairs.jsonl");
        Files.writeString(pairs, String.join("\n",
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k05 k09\",\"rejected\":\"k09 k05\",\"flagged\":false}",
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k09\",\"rejected\":\"k05 k09\",\"flagged\":false}",
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k09\",\"rejected\":\"k05 k09\",\"flagged\":true}",
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k09\",\"rejected\":\"k09\",\"flagged\":true}",
                // token ids win over text: chosen = k05 k09 EOS (ideal), rejected = k09 EOS; no flag = unflagged
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"x\",\"rejected\":\"y\",\"chosenTokens\":[5,9,3],\"rejectedTokens\":[9,3]}", ""));
        SelfLabelAccuracy a = SelfLabelAccuracy.of(KeySortTask.KEYSORT, pairs);
        assertEquals(5, a.pairs());
        assertEquals(1, a.goldTies());
        assertEquals(50.0, a.overall(), 1e-9);
        assertEquals(0.0, a.flagged(), 1e-9);
        assertEquals(200.0 / 3, a.unflagged(), 1e-9);
        assertEquals(40.0, a.flaggedFraction(), 1e-9);
        // by length (content tokens, EOS not counted): row 5 chosen longer (right), row 1 equal (right), rows 2-3
        // chosen shorter (wrong); row 4 is a gold tie, so it counts only in the share of pairs
        assertEquals(100.0, a.longer(), 1e-9);
        assertEquals(100.0, a.equal(), 1e-9);
        assertEquals(0.0, a.shorter(), 1e-9);
        assertEquals(20.0, a.chosenLongerFraction(), 1e-9);
        assertTrue(Double.isNaN(a.habit()), "KeySort has no habit");
    }

    @Test
    void habitPairAccuracyCountsPairsWithTheHabitOnOneSide(@TempDir Path dir) throws Exception {
        Path pairs = dir.resolve("pairs.jsonl");
        Files.writeString(pairs, String.join("\n",
                // habit on the rejected side: the judge avoided it
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k05 k09\",\"rejected\":\"k05 k09 k09\"}",
                // habit on the chosen side: it did not
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k05 k05\",\"rejected\":\"k05 k09\"}",
                // habit on neither side, and on both: not counted
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k05 k09\",\"rejected\":\"k09 k05\"}",
                "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k05 k09 k09\",\"rejected\":\"k09 k05 k05\"}", ""));
        SelfLabelAccuracy a = SelfLabelAccuracy.of(KeySortTask.KEYECHO, pairs);
        assertEquals(50.0, a.habit(), 1e-9);
        // gold on the habit task: "k05 k09" 3, "k05 k09 k09" 3 − 1/2 − 1/12 − 1 (order, duplicate, habit), "k05 k05" 1 − 1/12 − 1,
        // "k09 k05" 2, "k09 k05 k05" 2 − 1/12 − 1: rows 1, 3 and 4 chose the better response
        assertEquals(75.0, a.overall(), 1e-9);
    }

    @Test
    void selfLabelAccuracyNamesTheBadLine(@TempDir Path dir) throws Exception {
        Path pairs = dir.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\":\"<s> k09 k05 <sep>\",\"chosen\":\"k05\"}\n");
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> SelfLabelAccuracy.of(KeySortTask.KEYSORT, pairs));
        assertTrue(e.getMessage().endsWith("pairs.jsonl line 1: missing string field 'rejected'"), e.getMessage());
    }
}
