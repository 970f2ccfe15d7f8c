package io.selfalign.trainer.cli;

import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --model and --device, shared by the commands that load a checkpoint. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu",
            description = "cpu computes in fp32, gpu in fp16 (default: ${DEFAULT-VALUE}).")
    String device;

    LanguageModel load() throws IOException {
        if (!Files.isDirectory(model)) {
            throw new InputException(model + ": not a directory");
        }
        return LanguageModel.load(model, ComputeDevice.parse(device));
    }
}
