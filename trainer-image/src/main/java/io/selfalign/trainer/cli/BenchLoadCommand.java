package io.selfalign.trainer.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.model.Checkpoint;
import io.selfalign.trainer.model.DecoderModel;
import io.selfalign.trainer.model.ModelConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Loads a checkpoint as float32 on the CPU and reports the time, the peak Java heap during the load,",
                "the process's resident memory and one forward pass. Without --model it first writes a random",
                "checkpoint in TinyLlama-1.1B's shape (d 2048, 22 layers, 32 heads, 4 kv heads, FFN 5632, vocab 32000,",
                "untied head: 1.10B parameters), stored as --dtype in shards of --shard-mib, so it needs nothing from outside.",
                "Weights are memory-mapped and copied to native memory in chunks; run it with a small heap to see that",
                "they never pass through the Java heap:",
                "  java -Xmx512m -jar selfalign-trainer.jar bench load"})
final class BenchLoadCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "Load this checkpoint instead of writing a random one.")
    Path model;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the random checkpoint goes (default: a temporary directory, deleted afterwards).")
    Path dir;

    @Option(names = "--dtype", defaultValue = "BF16", paramLabel = "F32|F16|BF16",
            description = "Stored dtype of the random checkpoint (default: ${DEFAULT-VALUE}, as most published checkpoints).")
    String dtype;

    @Option(names = "--layers", defaultValue = "22", paramLabel = "N", description = "Layers of the random checkpoint (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--shard-mib", defaultValue = "1024", paramLabel = "MIB",
            description = "Largest shard of the random checkpoint, MiB (default: ${DEFAULT-VALUE}).")
    long shardMiB;

    @Override
    public Integer call() throws IOException {
        if (!List.of("F32", "F16", "BF16").contains(dtype)) {
            throw new InputException("--dtype must be F32, F16 or BF16, got " + dtype);
        }
        if (layers < 1 || shardMiB < 1) {
            throw new InputException("--layers and --shard-mib must be >= 1");
        }
        Path target = model;
        boolean temporary = false;
        if (target == null) {
            temporary = dir == null;
            target = temporary ? Files.createTempDirectory("selfalign-bench-load") : dir;
            writeRandom(target);
        } else if (!Files.isDirectory(target)) {
            throw new InputException(target + ": not a directory");
        }
        try {
            printTable(measure(target));
        } finally {
            if (temporary) deleteRecursively(target);
        }
        return 0;
    }

    private void writeRandom(Path out) throws IOException {
        ModelConfig config = ModelConfig.builder().vocabSize(32000).hiddenSize(2048).intermediateSize(5632).layers(layers)
                .heads(32).kvHeads(4).maxPositions(2048).tieWordEmbeddings(false).rmsNormEps(1e-5).build();
        System.err.printf("bench load: writing a random %.2fB-parameter checkpoint (%s) to %s%n",
                config.parameterCount() / 1e9, dtype, out);
        long start = System.nanoTime();
        // float16 in memory: half the native footprint of the writer's source, and every stored dtype is exact from it.
        try (DecoderModel m = DecoderModel.random(config, Device.cpu(), DataType.FLOAT16, 0)) {
            Checkpoint.save(m, out, shardMiB << 20, dtype);
        }
        System.err.printf("bench load: written in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    private static Map<String, String> measure(Path dir) throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        long bytes;
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
        }
        bytes = 0;
        for (Path f : files) bytes += Files.size(f);
        System.gc();
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        long rssBefore = ProcessMemory.rssMiB();
        long start = System.nanoTime();
        try (DecoderModel m = Checkpoint.load(dir, Device.cpu(), DataType.FLOAT32)) {
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            long peakHeap = heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            long rssAfter = ProcessMemory.rssMiB();
            rows.put("parameters", String.format("%.3fB", m.config().parameterCount() / 1e9));
            rows.put("checkpoint on disk", String.format("%.2f GiB in %d file(s)", bytes / (double) (1L << 30), files.size()));
            rows.put("load as float32, seconds", String.format("%.1f", loadSeconds));
            rows.put("load rate, GiB of checkpoint per second", String.format("%.2f", bytes / (double) (1L << 30) / loadSeconds));
            rows.put("peak Java heap during the load, MiB (sum of pool peaks)", String.valueOf(peakHeap >> 20));
            rows.put("max Java heap (-Xmx), MiB", String.valueOf(Runtime.getRuntime().maxMemory() >> 20));
            rows.put("resident memory before → after the load, MiB", rssBefore + " → " + rssAfter);
            // The reader unmaps each tensor's pages once copied; a GC (whose Cleaners run asynchronously) still
            // returns what the load left on the Java heap.
            System.gc();
            pause(500);
            rows.put("resident memory after a GC, MiB", String.valueOf(ProcessMemory.rssMiB()));
            rows.put("float32 weights in native memory, MiB", String.valueOf(m.config().parameterCount() * 4 >> 20));
            rows.put("forward of 16 tokens, seconds", forward(m));
        }
        return rows;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String forward(DecoderModel m) {
        long start = System.nanoTime();
        try (NDManager scope = m.manager().newSubManager()) {
            NDArray ids = scope.arange(1, 17, 1, DataType.INT64).reshape(1, 16);
            NDArray logits = m.forward(ids, scope.ones(new Shape(1, 16), DataType.INT64));
            if (!Float.isFinite(logits.sum().getFloat())) {
                throw new IllegalStateException("the loaded model's logits are not finite");
            }
        }
        return String.format("%.2f", (System.nanoTime() - start) / 1e9);
    }

    private static void printTable(Map<String, String> rows) {
        StringBuilder sb = new StringBuilder("| measurement | value |\n|---|---:|");
        rows.forEach((k, v) -> sb.append("\n| ").append(k).append(" | ").append(v).append(" |"));
        System.out.println(sb);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
