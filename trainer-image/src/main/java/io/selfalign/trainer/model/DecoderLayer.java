package io.selfalign.trainer.model;

import static io.selfalign.trainer.model.ParameterLayout.DOWN_BIAS;
import static io.selfalign.trainer.model.ParameterLayout.DOWN_WEIGHT;
import static io.selfalign.trainer.model.ParameterLayout.GATE_UP_BIAS;
import static io.selfalign.trainer.model.ParameterLayout.GATE_UP_WEIGHT;
import static io.selfalign.trainer.model.ParameterLayout.INPUT_NORM;
import static io.selfalign.trainer.model.ParameterLayout.O_BIAS;
import static io.selfalign.trainer.model.ParameterLayout.O_WEIGHT;
import static io.selfalign.trainer.model.ParameterLayout.POST_ATTENTION_NORM;
import static io.selfalign.trainer.model.ParameterLayout.QKV_BIAS;
import static io.selfalign.trainer.model.ParameterLayout.QKV_WEIGHT;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One decoder layer's parameters, named after its checkpoint tensors ({@code model.layers.<i>.input_layernorm}, …;
 * q/k/v and gate/up fused as in {@link ParameterLayout}). Biases are null when the family has none.
 */
record DecoderLayer(NDArray inputLayernorm, NDArray qkvProj, NDArray qkvBias, NDArray oProj, NDArray oBias,
                    NDArray postAttentionLayernorm, NDArray gateUpProj, NDArray gateUpBias, NDArray downProj,
                    NDArray downBias) {

    /** Layer {@code i}'s parameters out of the model's, by name. */
    static DecoderLayer of(Map<String, NDArray> parameters, int i) {
        Function<String, NDArray> required = name -> ParameterLayout.required(parameters, ParameterLayout.layer(i, name));
        Function<String, NDArray> optional = name -> parameters.get(ParameterLayout.layer(i, name));
        return new DecoderLayer(required.apply(INPUT_NORM),
                required.apply(QKV_WEIGHT), optional.apply(QKV_BIAS),
                required.apply(O_WEIGHT), optional.apply(O_BIAS),
                required.apply(POST_ATTENTION_NORM),
                required.apply(GATE_UP_WEIGHT), optional.apply(GATE_UP_BIAS),
                required.apply(DOWN_WEIGHT), optional.apply(DOWN_BIAS));
    }

    /** The layer's projection weights (not norms or biases). */
    Stream<NDArray> weights() {
        return Stream.of(qkvProj, oProj, gateUpProj, downProj);
    }
}
