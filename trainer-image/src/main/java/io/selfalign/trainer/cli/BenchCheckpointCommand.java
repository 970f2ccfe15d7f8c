package io.selfalign.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "checkpoint", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes the inputs of a CLI measurement: a random checkpoint of one of bench model's configs in",
                "Hugging Face layout (config.json, model.safetensors, a word-level tokenizer.json over the whole vocabulary,",
                "EOS id 2) and, with --pairs, a score input of random {\"prompt\", \"response\"} rows. For example the",
                "scoring-memory setup of docs/performance.md (25M config, 32k vocabulary, 64 rows of 32 + 96 tokens, EOS included):",
                "  bench checkpoint --size 25M --vocab 32000 --dir m25 --pairs pairs.jsonl",
                "  /usr/bin/time -v java -jar selfalign-trainer.jar score --model m25 --pairs pairs.jsonl --out s.jsonl"})
final class BenchCheckpointCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--size", defaultValue = "25M", description = "Model config: 3M or 25M, as in bench model (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--vocab", defaultValue = "32000", description = "Vocabulary size (default: ${DEFAULT-VALUE}, Llama's).")
    int vocab;

    @Option(names = "--seed", defaultValue = "1", description = "Weight initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Checkpoint directory to write.")
    Path dir;

    @Option(names = "--pairs", paramLabel = "FILE.jsonl", description = "Also write --rows score rows to this file.")
    Path pairs;

    @Option(names = "--rows", defaultValue = "64", description = "Rows of --pairs (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--prompt-tokens", defaultValue = "32", description = "Tokens per prompt (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--response-tokens", defaultValue = "96",
            description = "Tokens per response, the EOS that score appends included (default: ${DEFAULT-VALUE}).")
    int responseTokens;

    @Override
    public Integer call() throws IOException {
        if (vocab < 5) throw new InputException("--vocab must be >= 5 (4 special tokens and a word)");
        if (rows < 1 || promptTokens < 1 || responseTokens < 2) {
            throw new InputException("--rows and --prompt-tokens must be >= 1, --response-tokens >= 2");
        }
        ModelConfig config = BenchModelCommand.config(size, vocab);
        if (promptTokens + responseTokens > config.maxPositions()) {
            throw new InputException("--prompt-tokens + --response-tokens exceed the config's context of " + config.maxPositions());
        }
        Files.createDirectories(dir);
        RandomCheckpoint.write(config, seed, dir);
        System.err.printf("bench checkpoint: %s, %.2fM parameters, vocabulary %d, written to %s%n",
                size, config.parameterCount() / 1e6, vocab, dir);
        if (pairs != null) {
            Random rng = new Random(seed);
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                lines.add(JSON.writeValueAsString(JSON.createObjectNode()
                        .put("prompt", RandomCheckpoint.words(rng, vocab, promptTokens))
                        .put("response", RandomCheckpoint.words(rng, vocab, responseTokens - 1))));
            }
            Path parent = pairs.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.write(pairs, lines);
            System.err.printf("bench checkpoint: %d score rows of %d + %d tokens written to %s%n", rows, promptTokens, responseTokens, pairs);
        }
        return 0;
    }
}
