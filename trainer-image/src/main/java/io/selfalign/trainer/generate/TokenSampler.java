package io.selfalign.trainer.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Picks the next token of each row from logits [B,V] on the device: greedy argmax, or temperature + top-k +
 * top-p sampling by the Gumbel-max trick (DJL has no multinomial op). Randomness comes from the engine's
 * generator, which {@link Generator} seeds, so a seed reproduces the samples.
 */
final class TokenSampler {
    private final SamplingParams params;
    private final NDArray inverseTemperature;
    private final NDArray topP;
    private final NDArray removed;

    TokenSampler(SamplingParams params, NDManager manager) {
        this.params = params;
        this.inverseTemperature = manager.create((float) (params.isGreedy() ? 1 : 1 / params.temperature()));
        this.topP = manager.create((float) params.topP());
        this.removed = manager.create(-1e30f);
    }

    /** Token ids [B] (int64). */
    NDArray next(NDArray logits) {
        NDArray x = logits.toType(DataType.FLOAT32, false);
        if (params.isGreedy()) {
            return x.argMax(1);
        }
        x = x.mul(inverseTemperature);
        long vocab = x.getShape().get(1);
        int k = params.topK() > 0 ? (int) Math.min(params.topK(), vocab) : (int) vocab;
        NDArray values;
        NDArray indices = null;
        if (k < vocab || params.topP() < 1) {
            NDList top = x.topK(k, 1, true, true);
            values = top.get(0);
            indices = top.get(1);
        } else {
            values = x;
        }
        if (params.topP() < 1) {
            // Drop a token when the tokens ranked above it already reach top-p (the first always stays).
            NDArray probs = values.softmax(1);
            NDArray before = probs.cumSum(1).sub(probs);
            values = values.add(before.gte(topP).toType(DataType.FLOAT32, false).mul(removed));
        }
        NDArray uniform = x.getManager().randomUniform(0f, 1f, values.getShape());
        // values + Gumbel noise, i.e. values − log(−log U): subtracting spares the last negation (a − b == a + (−b) exactly).
        NDArray choice = values.sub(uniform.log().neg().log()).argMax(1);
        return indices == null ? choice : indices.gather(choice.reshape(-1, 1), 1).reshape(-1);
    }
}
