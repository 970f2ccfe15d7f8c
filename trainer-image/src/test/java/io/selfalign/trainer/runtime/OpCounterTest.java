package io.selfalign.trainer.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpCounterTest {

    @Test
    void countsEachOpOfASmallGraphOnce() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.ones(new Shape(4, 4));
            NDArray b = m.ones(new Shape(4, 4));
            // matmul dispatches mm internally: still one op from the caller's side.
            OpCounter.OpCount count = OpCounter.count(() -> a.add(b).mul(b).matMul(a).sum());
            assertEquals(Map.of("aten::add", 1L, "aten::mul", 1L, "aten::matmul", 1L, "aten::sum", 1L), count.byName());
            assertEquals(4, count.total());
        }
    }

    @Test
    void countsOneOpPerAutogradNodeInABackwardPass() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.ones(new Shape(4, 4));
            NDArray b = m.ones(new Shape(4, 4));
            a.setRequiresGradient(true);
            OpCounter.OpCount count = OpCounter.count(() -> {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(a.mul(b).sum());
                }
            });
            Map<String, Long> ops = count.byName();
            assertEquals(1L, ops.get("autograd::engine::evaluate_function: SumBackward0"));
            assertEquals(1L, ops.get("autograd::engine::evaluate_function: MulBackward0"));
            assertEquals(1L, ops.get("autograd::engine::evaluate_function: torch::autograd::AccumulateGrad"));
            assertEquals(null, ops.get("aten::mm"), "nothing nested is counted");
        }
    }

    @Test
    void nestedAndTouchingEventsAreToldApart() throws Exception {
        String trace = """
                {"traceEvents": [
                  {"name": "aten::linear", "ph": "X", "ts": 10, "dur": 10, "tid": 1, "pid": "CPU"},
                  {"name": "aten::t", "ph": "X", "ts": 10, "dur": 2, "tid": 1, "pid": "CPU"},
                  {"name": "aten::mm", "ph": "X", "ts": 13, "dur": 7, "tid": 1, "pid": "CPU"},
                  {"name": "aten::add", "ph": "X", "ts": 20, "dur": 1, "tid": 1, "pid": "CPU"},
                  {"name": "aten::add", "ph": "X", "ts": 12, "dur": 1, "tid": 2, "pid": "CPU"},
                  {"name": "marker", "ph": "i", "ts": 5, "tid": 1, "pid": "CPU"}
                ]}""";
        OpCounter.OpCount count = OpCounter.outermost(new ObjectMapper().readTree(trace));
        assertEquals(Map.of("aten::linear", 1L, "aten::add", 2L), count.byName());
    }
}
