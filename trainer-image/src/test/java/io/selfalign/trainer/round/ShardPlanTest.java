package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardPlanTest {
    @Test
    void shardsAreContiguousCoverEveryPromptAndStartOnBatchBoundaries() {
        for (int prompts : new int[] {1, 7, 30, 1000, 30000}) {
            for (int k : new int[] {2, 3, 4, 8}) {
                for (int batch : new int[] {1, 4, 6, 32, 64}) {
                    for (int n : new int[] {1, 2, 3, 8, 64}) {
                        ShardPlan plan = new ShardPlan(prompts, k, batch, n);
                        int next = 0;
                        for (int i = 0; i < n; i++) {
                            ShardPlan.Range r = plan.range(i);
                            String where = plan + " shard " + i + " " + r;
                            assertEquals(next, r.from(), where);
                            assertTrue(r.to() >= r.from(), where);
                            // Every shard's first candidate starts a batch of the unsharded pass.
                            assertEquals(0, (long) r.from() * k % batch, where);
                            next = r.to();
                        }
                        assertEquals(prompts, next, plan.toString());
                    }
                }
            }
        }
    }

    @Test
    void promptsAreDealtInUnitsThatFillWholeBatches() {
        // K = 2, batch 4: units of 2 prompts; 6 prompts are 3 units, so 2 shards get 1 and 2 of them.
        ShardPlan plan = new ShardPlan(6, 2, 4, 2);
        assertEquals(2, plan.unit());
        assertEquals(new ShardPlan.Range(0, 2), plan.range(0));
        assertEquals(new ShardPlan.Range(2, 6), plan.range(1));
        // K = 4, batch 6: lcm 12 candidates = 3 prompts; 30000 prompts over 8 shards, 3750 each (1250 units).
        assertEquals(3, new ShardPlan(30000, 4, 6, 8).unit());
        assertEquals(new ShardPlan.Range(3750, 7500), new ShardPlan(30000, 4, 6, 8).range(1));
        // Only the last shard ends inside a unit.
        assertEquals(new ShardPlan.Range(4, 7), new ShardPlan(7, 2, 4, 2).range(1));
    }

    @Test
    void fewerUnitsThanShardsLeaveSomeShardsEmpty() {
        ShardPlan plan = new ShardPlan(3, 2, 8, 4); // one unit of 4 prompts, cut to 3
        assertEquals(new ShardPlan.Range(0, 0), plan.range(0));
        assertEquals(new ShardPlan.Range(0, 0), plan.range(2));
        assertEquals(new ShardPlan.Range(0, 3), plan.range(3));
        assertThrows(IndexOutOfBoundsException.class, () -> plan.range(4));
    }
}
