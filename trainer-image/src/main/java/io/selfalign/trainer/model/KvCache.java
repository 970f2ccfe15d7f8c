package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Preallocated keys and values of every layer, [B, kvHeads, capacity, headDim] each, filled in place as a
 * batch is decoded. Created outside the per-step NDScope (it outlives the steps); close it when done.
 */
public final class KvCache implements AutoCloseable {
    private static final NDIndex ALL = new NDIndex("...");
    private final NDManager manager;
    // Per layer [B, 2 * kvHeads, capacity, headDim]: keys in the first kvHeads heads, values in the rest,
    // so that one copy writes both.
    private final NDArray[] entries;
    private final long[] keysThenValues;
    private final int capacity;
    private int length;

    public KvCache(DecoderModel model, int batch, int capacity) {
        ModelConfig c = model.config();
        this.manager = model.manager().newSubManager();
        this.capacity = capacity;
        this.entries = new NDArray[c.numLayers()];
        this.keysThenValues = new long[] {c.numKvHeads()};
        Shape shape = new Shape(batch, 2L * c.numKvHeads(), capacity, c.headDim());
        for (int i = 0; i < entries.length; i++) {
            entries[i] = manager.zeros(shape, model.dataType());
            NDScope.unregister(entries[i]);
        }
    }

    /** Tokens stored so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Checks that {@code t} more tokens fit; returns the tokens stored so far. */
    int roomFor(int t) {
        if (length + t > capacity) {
            throw new IllegalArgumentException("KV cache full: " + (length + t) + " > " + capacity);
        }
        return length;
    }

    /**
     * Writes keys and values {@code kv} [B, 2 * kvHeads, T, headDim] at positions past..past+T-1 of a layer
     * (one copy); returns views of the keys and the values so far, [B, kvHeads, past+T, headDim] each.
     */
    NDList append(int layer, NDArray kv, int past) {
        long end = past + kv.getShape().get(2);
        entries[layer].split(new long[] {past, end}, 2).get(1).set(ALL, kv);
        return entries[layer].split(new long[] {end}, 2).get(0).split(keysThenValues, 1);
    }

    void advance(int t) {
        length += t;
    }

    @Override
    public void close() {
        manager.close();
    }
}
