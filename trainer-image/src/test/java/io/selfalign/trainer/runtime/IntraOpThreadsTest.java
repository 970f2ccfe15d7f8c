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
        assertEquals(1, IntraOpThreads.forDecoding(32, 256), "3M config, batch 32: 2.1M multiply-adds");
        assertEquals(1, IntraOpThreads.forDecoding(1, 512));
        assertEquals(engine, IntraOpThreads.forDecoding(32, 512), "25M config, batch 32: 8.4M multiply-adds");
    }

    @Test
    void thePropertyOverridesTheChoice() {
        System.setProperty(IntraOpThreads.PROPERTY, "3");
        assertEquals(3, IntraOpThreads.forDecoding(1, 64));
        System.setProperty(IntraOpThreads.PROPERTY, "zero");
        assertThrows(IllegalArgumentException.class, () -> IntraOpThreads.forDecoding(1, 64));
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
