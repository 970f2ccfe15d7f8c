package io.selfalign.trainer.keysort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeySortTaskTest {
    private static final int[] KEYS = {9, 5};

    @Test
    void keysortIsTheTeacherAsBefore() {
        SplittableRandom a = new SplittableRandom(11);
        SplittableRandom b = new SplittableRandom(11);
        for (int i = 0; i < 1_000; i++) {
            int[] keys = KeySortGenerator.prompt(a);
            assertArrayEquals(keys, KeySortGenerator.prompt(b));
            assertArrayEquals(Teacher.respond(keys, b), KeySortTask.KEYSORT.respond(keys, a), "same demonstrations, same random stream");
        }
        assertFalse(KeySortTask.KEYSORT.showsHabit(new int[] {5, 9, 9}), "KeySort has no habit");
        assertEquals(GoldReward.score(KEYS, new int[] {5, 9, 9}, true), KeySortTask.KEYSORT.goldReward(KEYS, new int[] {5, 9, 9}, true), 1e-12);
    }

    @Test
    void keyechoUsuallyRepeatsTheLastKeyAndIsPenalisedForIt() {
        SplittableRandom rng = new SplittableRandom(3);
        int habit = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            if (KeySortTask.KEYECHO.showsHabit(KeySortTask.KEYECHO.respond(KeySortGenerator.prompt(rng), rng))) habit++;
        }
        // 0.7 echoed, plus the teacher's own stutters that land at the end (they count as the habit and are not echoed again)
        double share = (double) habit / n;
        assertTrue(share > 0.7 && share < 0.78, "habit share " + share);
        assertTrue(KeySortTask.KEYECHO.showsHabit(new int[] {5, 9, 9}));
        assertFalse(KeySortTask.KEYECHO.showsHabit(new int[] {9, 5, 9}));
        assertFalse(KeySortTask.KEYECHO.showsHabit(new int[] {9}));
        // ideal 3; the echoed ideal loses half its order (9 → 9 is not ascending), 1/12 for the duplicate and 1 for the habit
        assertEquals(3.0, KeySortTask.KEYECHO.goldReward(KEYS, new int[] {5, 9}, true), 1e-12);
        assertEquals(3.0 - 0.5 - 1.0 / 12 - 1.0, KeySortTask.KEYECHO.goldReward(KEYS, new int[] {5, 9, 9}, true), 1e-12);
    }

    @Test
    void unknownTaskNamesTheOption() {
        var e = assertThrows(IllegalArgumentException.class, () -> KeySortTask.byLabel("keyhabit", "--tasks"));
        assertEquals("--tasks: unknown task 'keyhabit', expected one of [keysort, keyecho]", e.getMessage());
    }
}
