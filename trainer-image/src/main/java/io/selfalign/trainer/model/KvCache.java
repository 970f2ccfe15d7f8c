package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Preallocated keys and values of every layer, [B, kvHeads, capacity, headDim] each, filled in place as a
 * batch is decoded. Created outside the per-step NDScope (it outlives the steps); close it when done.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;
    private int length;

    public KvCache(DecoderModel model, int batch, int capacity) {
        ModelConfig c = model.config();
        this.manager = model.manager().newSubManager();
        this.capacity = capacity;
        this.keys = new NDArray[c.numLayers()];
        this.values = new NDArray[c.numLayers()];
        Shape shape = new Shape(batch, c.numKvHeads(), capacity, c.headDim());
        for (int i = 0; i < keys.length; i++) {
            keys[i] = manager.zeros(shape, model.dataType());
            values[i] = manager.zeros(shape, model.dataType());
            NDScope.unregister(keys[i], values[i]);
        }
    }

    /** Tokens stored so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Writes k and v [B, kvHeads, T, headDim] at positions past..past+T-1 of a layer; returns the keys so far. */
    NDArray append(int layer, NDArray k, NDArray v, int past) {
        long t = k.getShape().get(2);
        NDIndex slot = new NDIndex(":, :, {}:{}", past, past + t);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        return keys[layer].get(new NDIndex(":, :, :{}", past + t));
    }

    NDArray values(int layer, int upTo) {
        return values[layer].get(new NDIndex(":, :, :{}", upTo));
    }

    void advance(int t) {
        length += t;
    }

    @Override
    public void close() {
        manager.close();
    }
}
