package io.selfalign.trainer.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IntraOpThreadsTest {

    @AfterEach
    void clearOverride() {
        System.clearProperty(IntraOpThreads.PROPERTY);
    }

    @Test
    void smallDecodeStepsRunOnOneThreadLargeOnesOnTheEnginesCount() {
        int engine = JniUtils.getNumThreads();
        assertEquals(1, IntraOpThreads.forDecoding(32, 3_340_000), "3M config, 512 vocabulary, batch 32: 107M multiply-adds");
        assertEquals(engine, IntraOpThreads.forDecoding(32, 11_400_000), "3M config, 32k vocabulary, batch 32: 365M");
        assertEquals(1, IntraOpThreads.forDecoding(1, 25_960_000), "25M config, batch 1: 26M");
        assertEquals(engine, IntraOpThreads.forDecoding(32, 25_960_000), "25M config, batch 32: 830M");
        assertEquals(engine, IntraOpThreads.forDecoding(1, 494_000_000), "a 0.5B model, batch 1");
    }

    @Test
    void thePropertyOverridesTheChoice() {
        System.setProperty(IntraOpThreads.PROPERTY, "3");
        assertEquals(3, IntraOpThreads.forDecoding(1, 64L));
        System.setProperty(IntraOpThreads.PROPERTY, "zero");
        assertThrows(IllegalArgumentException.class, () -> IntraOpThreads.forDecoding(1, 64L));
    }

    @Test
    void workRunsWithTheCountAndTheOldCountComesBack() {
        int before = JniUtils.getNumThreads();
        int inside = IntraOpThreads.with(before + 1, JniUtils::getNumThreads);
        assertEquals(before + 1, inside);
        assertEquals(before, JniUtils.getNumThreads());
        assertThrows(IllegalStateException.class, () -> IntraOpThreads.with(before + 1, () -> {
            throw new IllegalStateException("fails");
        }));
        assertEquals(before, JniUtils.getNumThreads());
    }
}
