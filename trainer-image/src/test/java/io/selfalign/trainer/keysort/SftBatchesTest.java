package io.selfalign.trainer.keysort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SftBatchesTest {
    @Test
    void promptIsBosKeysSepAndResponseEndsWithEos() {
        var pair = SftBatches.pair(new KeySortGenerator.Demo(new int[] {9, 5}, new int[] {5, 9}));
        assertArrayEquals(new long[] {1, 9, 5, 2}, pair.prompt());
        assertArrayEquals(new long[] {5, 9, 3}, pair.response());
    }

    @Test
    void epochCoversEveryDemoOnceInBatchesOfTheGivenSize() {
        var demos = KeySortGenerator.generate(KeySortTask.KEYSORT, new KeySortSizes(10, 1, new int[] {1}, 1), 0).sft();
        var batches = SftBatches.epoch(demos, 4, new SplittableRandom(1));
        assertEquals(List.of(4, 4, 2), batches.stream().map(List::size).toList());
        assertEquals(3, SftBatches.batchesPerEpoch(10, 4));
        int trained = batches.stream().mapToInt(SftBatches::trainedTokens).sum();
        assertEquals(demos.stream().mapToInt(d -> d.response().length + 1).sum(), trained);
    }
}
