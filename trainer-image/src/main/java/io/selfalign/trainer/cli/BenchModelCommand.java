package io.selfalign.trainer.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.generate.Generator;
import io.selfalign.trainer.generate.SamplingParams;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.ModelConfig;
import io.selfalign.trainer.runtime.OpCounter;
import io.selfalign.trainer.score.SequenceScorer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "model", mixinStandardHelpOptions = true,
        description = {"Tokens/s of the model runtime on randomly initialised Llama configs (~3.3M and ~26M params):",
                "a training-shaped forward+backward (cross-entropy over every token), and sampling (T=0.7) at",
                "batch 1 and 32 with and without the KV cache; the engine ops of one training step and of one decode step",
                "(PyTorch profiler, outermost ops), the decode step also as a GPU would run it (its layouts, product order",
                "and attention kernel, counted on this CPU); plus the process's peak RSS.",
                "Each number is the median of --repeats timed runs after one warm-up run. Prints a Markdown table."})
final class BenchModelCommand implements Callable<Integer> {
    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs per measurement (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--train-batch", defaultValue = "32", description = "Training batch (default: ${DEFAULT-VALUE}).")
    int trainBatch;

    @Option(names = "--train-length", defaultValue = "64", description = "Training sequence length (default: ${DEFAULT-VALUE}).")
    int trainLength;

    @Option(names = "--prompt-tokens", defaultValue = "16", description = "Prompt length for generation (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "48", description = "Generated tokens per sequence (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--sizes", split = ",", defaultValue = "3M,25M", description = "Configs to run: 3M, 25M (default: ${DEFAULT-VALUE}).")
    List<String> sizes;

    @Option(names = "--vocab", defaultValue = DEFAULT_VOCAB, description = {"Vocabulary size (default: ${DEFAULT-VALUE}). At 32000,",
            "Llama's, the head and the sampling over it are most of a small model's decode step."})
    int vocab;

    /** The default vocabulary of the bench configs: small, so that the layers, not the head, set the speed. */
    static final String DEFAULT_VOCAB = "512";

    /** One of the bench configs with a vocabulary of {@code vocab} (the measurements against transformers use Llama's 32,000). */
    static ModelConfig config(String size, int vocab) {
        if (vocab < 2) {
            throw new InputException("--vocab must be >= 2, got " + vocab);
        }
        return switch (size) {
            case "3M" -> ModelConfig.builder().vocabSize(vocab).hiddenSize(256).intermediateSize(704).layers(4).heads(4)
                    .maxPositions(256).tieWordEmbeddings(true).build();
            case "25M" -> ModelConfig.builder().vocabSize(vocab).hiddenSize(512).intermediateSize(1408).layers(8).heads(8)
                    .maxPositions(256).tieWordEmbeddings(true).build();
            default -> throw new InputException("--sizes: unknown size '" + size + "' (known: 3M, 25M)");
        };
    }

    @Override
    public Integer call() throws IOException {
        if (repeats < 1) {
            throw new InputException("--repeats must be >= 1");
        }
        Map<String, Map<String, String>> columns = new LinkedHashMap<>();
        for (String size : sizes) {
            ModelConfig config = config(size, vocab);
            Map<String, String> col = new LinkedHashMap<>();
            try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 1)) {
                col.put("parameters", String.format("%.2fM", config.parameterCount() / 1e6));
                col.put(String.format("train fwd+bwd tokens/s (B=%d, T=%d)", trainBatch, trainLength),
                        rate(trainBatch * trainLength, () -> trainStep(model)));
                col.put("ops per train step (fwd+bwd)", String.valueOf(OpCounter.count(() -> trainStep(model)).total()));
                col.put("ops per decode step (KV cache, sampling)", String.valueOf(decodeStepOps(model)));
                col.put("ops per decode step, a GPU's plan", String.valueOf(gpuPlanDecodeStepOps(model)));
                for (int batch : new int[] {1, 32}) {
                    for (boolean cache : new boolean[] {true, false}) {
                        String label = String.format("generate tokens/s B=%d, %s", batch, cache ? "KV cache" : "no cache");
                        col.put(label, rate(batch * newTokens, () -> generate(model, batch, cache)));
                        System.err.println(size + ": " + label + " = " + col.get(label));
                    }
                }
            }
            col.put("peak RSS so far (MiB)", String.valueOf(ProcessMemory.peakRssMiB()));
            columns.put(size + " (" + col.get("parameters") + ")", col);
        }
        printTable(columns);
        return 0;
    }

    private String rate(long tokens, Supplier<Long> run) {
        run.get(); // warm-up
        double[] seconds = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            seconds[i] = run.get() / 1e9;
        }
        Arrays.sort(seconds);
        return String.format("%.0f", tokens / seconds[repeats / 2]);
    }

    private long trainStep(DecoderModel model) {
        model.setTrainable(true);
        NDManager m = model.manager();
        Random rng = new Random(0);
        long[] ids = new long[trainBatch * trainLength];
        Arrays.setAll(ids, i -> rng.nextInt(model.config().vocabSize()));
        long start = System.nanoTime();
        try (NDScope scope = new NDScope()) {
            NDArray input = m.create(ids, new Shape(trainBatch, trainLength));
            NDArray mask = m.ones(new Shape(trainBatch, trainLength), DataType.INT64);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.zeroGradients();
                NDArray loss = SequenceScorer.tokenLogProbs(model.forward(input, mask), input).mean().neg();
                gc.backward(loss);
            }
            model.trainableParameters().get(0).getGradient().getFloat(0, 0); // wait for the result
        }
        model.setTrainable(false);
        return System.nanoTime() - start;
    }

    /**
     * Engine ops of one cached decode step, sampling included: a generation of two new tokens minus one of a
     * single token (prefill and first sample), so that only the step itself remains.
     */
    private long decodeStepOps(DecoderModel model) {
        generate(model, 32, true, 1); // one-time work (weights transposed for inference) is not a step's
        long two = OpCounter.count(() -> generate(model, 32, true, 2)).total();
        long one = OpCounter.count(() -> generate(model, 32, true, 1)).total();
        return two - one;
    }

    /**
     * {@link #decodeStepOps} with the choices a GPU makes ({@link DecoderModel#planAsOn}): the ops its decode step
     * dispatches, each one trip through JNI and PyTorch's dispatcher there.
     */
    private long gpuPlanDecodeStepOps(DecoderModel model) {
        model.planAsOn(Device.gpu());
        try {
            return decodeStepOps(model);
        } finally {
            model.planAsOn(model.device());
        }
    }

    private long generate(DecoderModel model, int batch, boolean cache) {
        return generate(model, batch, cache, newTokens);
    }

    private long generate(DecoderModel model, int batch, boolean cache, int tokens) {
        Random rng = new Random(1);
        List<long[]> prompts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            long[] p = new long[promptTokens];
            Arrays.setAll(p, j -> rng.nextInt(model.config().vocabSize()));
            prompts.add(p);
        }
        SamplingParams params = SamplingParams.sample(0.7, 1.0, 0, tokens, batch).withCache(cache);
        long start = System.nanoTime();
        new Generator(model, 0, Set.of()).generate(prompts, params, 0);
        return System.nanoTime() - start;
    }

    private static void printTable(Map<String, Map<String, String>> columns) {
        List<String> names = new ArrayList<>(columns.keySet());
        StringBuilder sb = new StringBuilder("| measurement |");
        names.forEach(n -> sb.append(' ').append(n).append(" |"));
        sb.append("\n|---|");
        names.forEach(n -> sb.append("---:|"));
        for (String row : columns.get(names.get(0)).keySet()) {
            if (row.equals("parameters")) {
                continue;
            }
            sb.append("\n| ").append(row).append(" |");
            names.forEach(n -> sb.append(' ').append(columns.get(n).get(row)).append(" |"));
        }
        System.out.println(sb);
    }
}
