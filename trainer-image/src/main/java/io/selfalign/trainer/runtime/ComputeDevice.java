package io.selfalign.trainer.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import io.selfalign.api.round.DeviceKind;
import java.util.Locale;

/**
 * Where and in which precision the model computes. The CLI's {@code --device} gives CPU in fp32 or GPU in
 * fp16 (stock DJL has no bf16; fp16 tensor cores are as fast as bf16 ones); a round takes the dtype from
 * {@code runtime.dtype} ({@code round.ModelLoading}), so a round can also run on a CPU in fp16.
 * Training keeps fp32 master weights
 * ({@link io.selfalign.trainer.model.DecoderModel#copy(DataType)} / {@code copyWeightsFrom}).
 */
public record ComputeDevice(Device device, DataType computeType) {

    public static ComputeDevice cpu() {
        return new ComputeDevice(Device.cpu(), DataType.FLOAT32);
    }

    /** "cpu" or "gpu" (the first GPU; an error naming the flag when none is visible). */
    public static ComputeDevice parse(String name) {
        return switch (DeviceKind.parse(name.toLowerCase(Locale.ROOT), "--device")) {
            case CPU -> cpu();
            case GPU -> {
                if (Engine.getInstance().getGpuCount() == 0) {
                    throw new IllegalArgumentException("--device gpu: no GPU visible to the PyTorch engine");
                }
                yield new ComputeDevice(Device.gpu(), DataType.FLOAT16);
            }
        };
    }
}
