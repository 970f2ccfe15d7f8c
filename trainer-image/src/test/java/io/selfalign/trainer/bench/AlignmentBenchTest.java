package io.selfalign.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.JudgeScore;
import io.selfalign.trainer.keysort.KeySortFiles;
import io.selfalign.trainer.keysort.KeySortSizes;
import io.selfalign.trainer.keysort.SftTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import io.selfalign.trainer.keysort.KeySortTask;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark end to end at toy size: SFT, the seed stage and one SPA round through the real RoundRunner. */
class AlignmentBenchTest {
    @Test
    void runsArmsThroughTheRoundEngineAndResumes(@TempDir Path out) throws Exception {
        KeySortSizes sizes = new KeySortSizes(128, 16, new int[] {16}, 16);
        SftTrainer.Options sft = new SftTrainer.Options(3e-3, 32, 1, 0.05, 1.0, 0);
        BenchSettings settings = new BenchSettings(1e-4, 1, 1, 2, 1, 1, 32, JudgeScore.SUM, null, false, 5e-5, null);
        var options = new AlignmentBench.Options(List.of(KeySortTask.KEYSORT), List.of(Arm.SFT, Arm.DPO_SEED, Arm.SPA), List.of(0L), sizes, sft, settings, out);

        List<StageResult> results = new AlignmentBench(options, System.err).run();
        assertEquals(List.of("sft/0", "dpo-seed/0", "spa/0", "spa/1"), results.stream().map(r -> r.arm() + "/" + r.iteration()).toList());
        StageResult spa1 = results.get(3);
        assertEquals(16, spa1.prompts(), "evaluated on the 16 test prompts");
        // 8 gold pairs held out of the pool: the last slice's 16 prompts lose 8, the judge is measured on them
        Path data = out.resolve("keysort/seed-0/data/keysort");
        assertEquals(8, Files.readAllLines(data.resolve(KeySortFiles.VALIDATION)).size());
        assertEquals(24, Files.readAllLines(data.resolve(KeySortFiles.TRAINING_GOLD)).size());
        assertEquals(8, Files.readAllLines(out.resolve("keysort/seed-0/runs/bench/spa/iter-1/pairs.jsonl")).size());
        double judge = spa1.roundMetric("judge_accuracy");
        assertTrue(judge >= 0 && judge <= 1, "judge accuracy " + judge);
        assertFalse(Double.isNaN(results.get(1).roundMetric("validation_accuracy")), "the seed stage reports its model as the next judge");
        assertTrue(spa1.winRate() >= 0 && spa1.winRate() <= 100);
        assertTrue(spa1.label(SelfLabelAccuracy::flaggedFraction) >= 0, "self-label diagnostics come from the round's pairs.jsonl");
        assertFalse(Double.isNaN(spa1.kl()));
        Path round = out.resolve("keysort/seed-0/runs/bench/spa/iter-1");
        assertTrue(Files.exists(round.resolve("pairs.jsonl")) && Files.exists(round.resolve("model/model.safetensors")));

        // a rerun resumes: the base model and every finished round are reused, the numbers are the same
        List<StageResult> again = new AlignmentBench(options, System.err).run();
        assertEquals(results.get(3).winRate(), again.get(3).winRate());
        assertEquals(results.get(3).labels(), again.get(3).labels());
    }
}
