package io.selfalign.trainer.keysort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SftBatchesTest {
    @Test
    void padsOnTheRightAndMasksThePrompt() {
        var a = new KeySortGenerator.Demo(new int[] {9, 5}, new int[] {5, 9});
        var b = new KeySortGenerator.Demo(new int[] {7, 6, 8}, new int[] {6});
        // a: BOS 9 5 SEP 5 9 EOS (7 tokens); b: BOS 7 6 8 SEP 6 EOS (7); c: BOS 4 5 SEP 4 EOS (6) → T = 7
        var c = new KeySortGenerator.Demo(new int[] {4, 5}, new int[] {4});
        SftBatches.Batch batch = SftBatches.batch(List.of(a, b, c));
        assertEquals(7, batch.length());
        assertArrayEquals(new int[] {1, 9, 5, 2, 5, 9, 3, 1, 7, 6, 8, 2, 6, 3, 1, 4, 5, 2, 4, 3, 0}, batch.ids());
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, batch.attention());
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0}, batch.responseMask());
        assertEquals(7, batch.trainedTokens());
    }

    @Test
    void epochCoversEveryDemoOnceInBatchesOfTheGivenSize() {
        var demos = KeySortGenerator.generate(new KeySortSizes(10, 1, new int[] {1}, 1), 0).sft();
        var batches = SftBatches.epoch(demos, 4, new SplittableRandom(1));
        assertEquals(List.of(4, 4, 2), batches.stream().map(SftBatches.Batch::rows).toList());
        assertEquals(3, SftBatches.batchesPerEpoch(10, 4));
        int trained = batches.stream().mapToInt(SftBatches.Batch::trainedTokens).sum();
        assertEquals(demos.stream().mapToInt(d -> d.response().length + 1).sum(), trained);
    }
}
