package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * Rotary position tables as transformers builds them: {@code inv_freq} per rope type (default, linear,
 * dynamic NTK, llama3), then {@code cos/sin} of {@code position * inv_freq} duplicated over both halves of
 * the head. The sine table carries the sign of {@code rotate_half} ({@code -sin} on the first half), so a
 * rotation is {@code x*cos + swapHalves(x)*sin}. Computed in float arithmetic like transformers (fp32).
 */
final class RotaryEmbedding {
    private final ModelConfig.RopeScaling rope;
    private final int headDim;
    private final int maxPositions;
    private NDArray cos;
    private NDArray sin;
    private int tableLength;

    RotaryEmbedding(ModelConfig config) {
        this.rope = config.rope();
        this.headDim = config.headDim();
        this.maxPositions = config.maxPositions();
    }

    /** {cos, signed sin} tables of shape [length, headDim] covering positions 0..length-1. */
    NDArray[] tables(NDManager manager, int length, DataType dtype) {
        boolean dynamicGrow = "dynamic".equals(rope.type()) && length > rope.originalMaxPositions();
        int wanted = dynamicGrow ? length : Math.max(length, Math.min(maxPositions, 4096));
        if (cos == null || wanted > tableLength || (dynamicGrow && wanted != tableLength)
                || cos.getDataType() != dtype) {
            if (cos != null) {
                cos.close();
                sin.close();
            }
            float[] invFreq = inverseFrequencies(dynamicGrow ? length : 0);
            build(manager, wanted, invFreq, dtype);
        }
        return new NDArray[] {cos, sin};
    }

    /**
     * The {cos, signed sin} rows of each token's position, [B,1,T,hd] each for {@code positionIds} [B,T]: the
     * looked-up rows broadcast over the heads (one op, not two); {@code length} covers cached and new tokens.
     */
    NDArray[] at(NDManager manager, NDArray positionIds, int length, DataType dtype) {
        NDArray[] table = tables(manager, length, dtype);
        Shape shape = positionIds.getShape();
        NDArray headless = positionIds.reshape(shape.get(0), 1, shape.get(1));
        return new NDArray[] {Embedding.embedding(headless, table[0], SparseFormat.DENSE).singletonOrThrow(),
            Embedding.embedding(headless, table[1], SparseFormat.DENSE).singletonOrThrow()};
    }

    /**
     * x*cos + rotate_half(x)*sin, with rotate_half's sign folded into the sine table. Its temporaries (each the
     * size of q and k) are freed on return; the sum is taken in place (mul's backward needs only its inputs).
     */
    static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDArray rotated;
        try (NDScope scope = new NDScope()) {
            Shape shape = x.getShape();
            long half = shape.get(3) / 2;
            NDArray swapped = x.reshape(shape.get(0), shape.get(1), shape.get(2), 2, half).flip(3).reshape(shape);
            rotated = x.mul(cos).addi(swapped.mul(sin));
            NDScope.unregister(rotated);
        }
        NDScope.register(rotated);
        return rotated;
    }

    float[] inverseFrequencies(int dynamicSeqLen) {
        int half = headDim / 2;
        double base = rope.theta();
        if (dynamicSeqLen > 0) {
            double f = rope.factor();
            base = base * Math.pow(f * dynamicSeqLen / rope.originalMaxPositions() - (f - 1), headDim / (headDim - 2.0));
        }
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            inv[i] = (float) (1.0 / (float) Math.pow(base, exponent));
        }
        switch (rope.type()) {
            case "linear" -> {
                for (int i = 0; i < half; i++) {
                    inv[i] = (float) (inv[i] / rope.factor());
                }
            }
            case "llama3" -> llama3(inv);
            default -> { }
        }
        return inv;
    }

    private void llama3(float[] inv) {
        double factor = rope.factor();
        double lowWavelen = rope.originalMaxPositions() / rope.lowFreqFactor();
        double highWavelen = rope.originalMaxPositions() / rope.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            double scaled = wavelen > lowWavelen ? inv[i] / factor : inv[i];
            if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                double smooth = (rope.originalMaxPositions() / wavelen - rope.lowFreqFactor())
                        / (rope.highFreqFactor() - rope.lowFreqFactor());
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = (float) scaled;
        }
    }

    private void build(NDManager manager, int length, float[] invFreq, DataType dtype) {
        int half = headDim / 2;
        float[] c = new float[length * headDim];
        float[] s = new float[length * headDim];
        for (int p = 0; p < length; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * invFreq[i];
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[p * headDim + i] = cv;
                c[p * headDim + half + i] = cv;
                s[p * headDim + i] = -sv;
                s[p * headDim + half + i] = sv;
            }
        }
        cos = manager.create(c, new Shape(length, headDim)).toType(dtype, false);
        sin = manager.create(s, new Shape(length, headDim)).toType(dtype, false);
        // The tables are cached across forward passes: keep them out of any caller's NDScope.
        NDScope.unregister(cos, sin);
        tableLength = length;
    }
}
