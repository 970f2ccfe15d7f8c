package io.selfalign.trainer.round;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import io.selfalign.api.round.ComputeDtype;
import io.selfalign.api.round.DeviceKind;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.model.CheckpointException;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import java.io.IOException;
import java.nio.file.Path;

/** How a round gets its models: on the spec's device, with checkpoint problems as input errors naming the field. */
final class ModelLoading {
    private ModelLoading() {}

    static ComputeDevice computeDevice(RoundSpec.Runtime runtime) {
        DataType dtype = runtime.dtype() == ComputeDtype.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT32;
        if (runtime.device() == DeviceKind.GPU) {
            if (Engine.getInstance().getGpuCount() == 0) {
                throw new IllegalStateException("runtime.device is gpu, but the PyTorch engine sees no GPU");
            }
            return new ComputeDevice(Device.gpu(), dtype);
        }
        return new ComputeDevice(Device.cpu(), dtype);
    }

    /** Loads a model directory; an unusable checkpoint is an input error naming the spec field. */
    static LanguageModel load(Path dir, ComputeDevice device, String field) throws IOException {
        try {
            return LanguageModel.load(dir, device);
        } catch (CheckpointException e) {
            throw new InputException(field + ": " + e.getMessage(), e);
        }
    }
}
