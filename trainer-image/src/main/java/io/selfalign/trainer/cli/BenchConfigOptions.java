package io.selfalign.trainer.cli;

import io.selfalign.trainer.model.ModelConfig;
import picocli.CommandLine.Option;

/** --size and --vocab: one of bench model's random configs, shared by the bench commands that build one. */
final class BenchConfigOptions {
    @Option(names = "--size", defaultValue = "25M", description = "Model config: 3M or 25M, as in bench model (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--vocab", defaultValue = BenchModelCommand.DEFAULT_VOCAB, description = "Vocabulary size (default: ${DEFAULT-VALUE}; Llama's is 32000).")
    int vocab;

    ModelConfig config() {
        return BenchModelCommand.config(size, vocab);
    }
}
