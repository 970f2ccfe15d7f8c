package io.selfalign.trainer.keysort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeySortSamplerTest {
    @Test
    void responsesStopAtEosAndRunawaysLoseIt() {
        var ended = KeySortSampler.Response.of(new long[] {5, 9, 3});
        assertArrayEquals(new int[] {5, 9}, ended.tokens());
        assertTrue(ended.eos());
        assertArrayEquals(new long[] {5, 9, 3}, ended.scoredIds());

        long[] runaway = new long[13];
        java.util.Arrays.fill(runaway, 7);
        var cut = KeySortSampler.Response.of(runaway);
        assertEquals(12, cut.tokens().length);
        assertFalse(cut.eos());
        assertEquals(12, cut.scoredIds().length);

        long[] twelveThenEos = new long[13];
        java.util.Arrays.fill(twelveThenEos, 7);
        twelveThenEos[12] = 3;
        assertTrue(KeySortSampler.Response.of(twelveThenEos).eos());
        // the same response read back from text (EOS not written) scores the same
        int[] keys = {9, 5};
        assertEquals(GoldReward.score("<s> k09 k05 <sep>", "k05 k09"), ended.goldReward(KeySortTask.KEYSORT, keys), 1e-12);
        assertArrayEquals(new long[] {1, 9, 5, 2}, KeySortSampler.promptIds(keys));
    }
}
