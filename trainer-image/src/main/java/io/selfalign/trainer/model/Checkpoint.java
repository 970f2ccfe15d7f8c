package io.selfalign.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.files.AtomicWrite;
import io.selfalign.trainer.files.WorkspacePath;
import io.selfalign.trainer.runtime.NativeHeap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes a Hugging Face checkpoint directory ({@code config.json} + {@code model.safetensors} or
 * shards with {@code model.safetensors.index.json}); which tensors make up which parameter is
 * {@link ParameterLayout}'s business. Saving keeps the tensor names, shapes and stored dtypes
 * of the checkpoint the model came from (F32 for a fresh F32 model), so transformers and vLLM load it.
 */
public final class Checkpoint {
    /** Files of a checkpoint directory that are not weights and are carried over on save. */
    public static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "chat_template.jinja", "generation_config.json", "special_tokens_map.json");
    /** Shard size transformers' save_pretrained uses by default. */
    public static final long DEFAULT_SHARD_BYTES = 5L << 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {
    }

    /** Loads a checkpoint's weights onto {@code device} as {@code dtype} (FLOAT32, or FLOAT16 for GPU compute). */
    public static DecoderModel load(Path dir, Device device, DataType dtype) throws IOException {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute dtype must be FLOAT32 or FLOAT16, got " + dtype);
        }
        ModelConfig config = ModelConfig.read(dir);
        NDManager manager = NDManager.newBaseManager(device);
        try (SafetensorsReader reader = SafetensorsReader.open(dir)) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            Map<String, String> dtypes = new HashMap<>();
            for (ParameterLayout.ParameterSpec spec : ParameterLayout.of(config)) {
                NDList parts = new NDList();
                for (int i = 0; i < spec.parts().size(); i++) {
                    String name = spec.parts().get(i).checkpointName();
                    SafetensorsReader.TensorInfo info = reader.info(name);
                    long[] expected = spec.partShape(i);
                    if (!Arrays.equals(expected, info.shape())) {
                        throw new CheckpointException(info.file() + ": tensor '" + name + "' has shape "
                                + Arrays.toString(info.shape()) + ", config.json implies " + Arrays.toString(expected));
                    }
                    dtypes.put(name, info.dtype());
                    parts.add(reader.read(name, manager, dtype));
                }
                params.put(spec.name(), spec.fuse(parts));
            }
            // The unfused parts were freed in between the weights: give those holes back.
            NativeHeap.trim();
            return new DecoderModel(config, manager, params, dtypes, dir);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public static DecoderModel load(Path dir, Device device) throws IOException {
        return load(dir, device, DataType.FLOAT32);
    }

    /**
     * Writes {@code config.json} and the weights into {@code dir} (created if needed), each file under a
     * temporary name first and then renamed, and copies the tokenizer/chat-template/generation files of the
     * model's source checkpoint when the directory lacks them.
     */
    public static void save(DecoderModel model, Path dir) throws IOException {
        save(model, dir, DEFAULT_SHARD_BYTES);
    }

    /** As {@link #save(DecoderModel, Path)}, splitting the weights into shards of at most {@code maxShardBytes}. */
    public static void save(DecoderModel model, Path dir, long maxShardBytes) throws IOException {
        save(model, dir, maxShardBytes, null);
    }

    /**
     * As {@link #save(DecoderModel, Path, long)}, storing every tensor as {@code storedDtype} (F32, F16 or BF16);
     * null keeps each tensor's dtype as loaded (F16 for a fresh float16 model, else F32).
     */
    public static void save(DecoderModel model, Path dir, long maxShardBytes, String storedDtype) throws IOException {
        if (storedDtype != null && !List.of("F32", "F16", "BF16").contains(storedDtype)) {
            throw new IllegalArgumentException("stored dtype must be F32, F16 or BF16, got " + storedDtype);
        }
        Files.createDirectories(dir);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        NDList views = new NDList();
        try {
            String defaultDtype = model.dataType() == DataType.FLOAT16 ? "F16" : "F32";
            for (ParameterLayout.ParameterSpec spec : ParameterLayout.of(model.config())) {
                NDArray param = model.parameters().get(spec.name());
                NDList parts = spec.split(param);
                for (int i = 0; i < spec.parts().size(); i++) {
                    String name = spec.parts().get(i).checkpointName();
                    NDArray part = parts.get(i);
                    if (part != param) {
                        views.add(part);
                    }
                    entries.add(new SafetensorsWriter.Entry(name, part, storedDtype != null ? storedDtype
                            : model.storedDtypes().getOrDefault(name, defaultDtype)));
                }
            }
            writeWeights(dir, entries, maxShardBytes);
        } finally {
            views.close();
        }
        Path source = model.sourceDir();
        // The source's config.json as it is (every field kept) when it describes this model: not for a token classifier
        // made from a causal LM's checkpoint.
        if (source != null && Files.exists(source.resolve("config.json"))
                && ModelConfig.read(source).numLabels() == model.config().numLabels()) {
            AtomicWrite.write(dir.resolve("config.json"), Files.readAllBytes(WorkspacePath.check(source.resolve("config.json"))));
        } else {
            AtomicWrite.write(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(model.config().toJson()));
        }
        if (source != null && !source.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            for (String f : SIDE_FILES) {
                if (Files.exists(source.resolve(f)) && !Files.exists(dir.resolve(f))) {
                    AtomicWrite.write(dir.resolve(f), Files.readAllBytes(WorkspacePath.check(source.resolve(f))));
                }
            }
        }
    }

    private static void writeWeights(Path dir, List<SafetensorsWriter.Entry> entries, long maxShardBytes)
            throws IOException {
        List<List<SafetensorsWriter.Entry>> shards = new ArrayList<>();
        shards.add(new ArrayList<>());
        long size = 0;
        for (SafetensorsWriter.Entry e : entries) {
            if (size > 0 && size + e.bytes() > maxShardBytes) {
                shards.add(new ArrayList<>());
                size = 0;
            }
            shards.get(shards.size() - 1).add(e);
            size += e.bytes();
        }
        if (shards.size() == 1) {
            AtomicWrite.write(dir.resolve("model.safetensors"), tmp -> SafetensorsWriter.write(tmp, shards.get(0)));
            return;
        }
        ObjectNode index = JSON.createObjectNode();
        long total = entries.stream().mapToLong(SafetensorsWriter.Entry::bytes).sum();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            List<SafetensorsWriter.Entry> shard = shards.get(i);
            AtomicWrite.write(dir.resolve(file), tmp -> SafetensorsWriter.write(tmp, shard));
            for (SafetensorsWriter.Entry e : shard) {
                map.put(e.name(), file);
            }
        }
        AtomicWrite.write(dir.resolve("model.safetensors.index.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
    }
}
