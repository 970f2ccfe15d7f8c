package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.files.WorkspacePath;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads tensors from one safetensors file or a sharded set ({@code model.safetensors.index.json}) through
 * memory mapping: only the tensor being read is paged in, and unmapped as soon as it is copied, so no file size
 * limit applies, the Java heap holds no weights and the mapped pages do not stay resident beside them. BF16 is widened to F32 in Java (the stock PyTorch JNI aborts on bf16).
 */
public final class SafetensorsReader implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Tensors whose F32 form is larger than this are read in row chunks: direct buffers cap at 2 GB, and the
     * direct buffer of a widened BF16 chunk counts against -XX:MaxDirectMemorySize (by default the heap size).
     */
    private static final long CHUNK_BYTES = 64L << 20;

    /** Where one tensor lives: its file, dtype name as written (F32/F16/BF16), shape and byte range. */
    public record TensorInfo(String name, Path file, String dtype, long[] shape, long start, long end) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final Map<Path, FileChannel> channels = new LinkedHashMap<>();
    /** One direct buffer for every widened BF16 chunk, freed on close (a GC, which frees it otherwise, may not come). */
    private ByteBuffer widened = ByteBuffer.allocateDirect(0);
    private SafetensorsReader() {
    }

    /** Opens {@code model.safetensors} or the shards listed in {@code model.safetensors.index.json} in {@code dir}. */
    public static SafetensorsReader open(Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        Path single = dir.resolve("model.safetensors");
        if (Files.exists(index)) {
            SafetensorsReader r = new SafetensorsReader();
            JsonNode map = JSON.readTree(WorkspacePath.check(index).toFile()).path("weight_map");
            if (!map.isObject() || map.isEmpty()) {
                throw new CheckpointException(index + ": no 'weight_map'");
            }
            for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
                Path shard = dir.resolve(map.get(it.next()).asText());
                if (!r.channels.containsKey(shard)) {
                    r.readHeader(shard);
                }
            }
            return r;
        }
        if (!Files.exists(single)) {
            throw new CheckpointException(dir + ": neither model.safetensors nor model.safetensors.index.json found");
        }
        SafetensorsReader r = new SafetensorsReader();
        r.readHeader(single);
        return r;
    }

    private void readHeader(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new CheckpointException(file + ": shard listed in the index is missing");
        }
        FileChannel ch = FileChannel.open(WorkspacePath.check(file), StandardOpenOption.READ);
        channels.put(file, ch);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        if (ch.read(len, 0) != 8) {
            throw new CheckpointException(file + ": truncated safetensors header");
        }
        long headerLen = len.flip().getLong();
        if (headerLen <= 0 || headerLen > 100_000_000L || 8 + headerLen > ch.size()) {
            throw new CheckpointException(file + ": invalid safetensors header length " + headerLen);
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        ch.read(header, 8);
        JsonNode root = JSON.readTree(header.array());
        long dataStart = 8 + headerLen;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            JsonNode shapeNode = t.path("shape");
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong();
            }
            long start = dataStart + t.path("data_offsets").get(0).asLong();
            long end = dataStart + t.path("data_offsets").get(1).asLong();
            TensorInfo info = new TensorInfo(e.getKey(), file, t.path("dtype").asText(), shape, start, end);
            if (end > ch.size() || end - start != info.elements() * bytesPer(info)) {
                throw new CheckpointException(file + ": tensor '" + e.getKey() + "' has an inconsistent byte range");
            }
            tensors.put(e.getKey(), info);
        }
    }

    private static int bytesPer(TensorInfo t) {
        return switch (t.dtype()) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new CheckpointException(t.file() + ": tensor '" + t.name() + "' has unsupported dtype "
                    + t.dtype() + " (supported: F32, F16, BF16)");
        };
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(channels.keySet().iterator().next().getParent()
                    + ": missing tensor '" + name + "'");
        }
        return t;
    }

    /** Reads a tensor into {@code manager} as {@code target} (FLOAT32 or FLOAT16). */
    public NDArray read(String name, NDManager manager, DataType target) throws IOException {
        TensorInfo t = info(name);
        long rows = t.shape().length == 0 ? 1 : t.shape()[0];
        long rowElements = rows == 0 ? 0 : t.elements() / rows;
        long rowsPerChunk = Math.max(1, CHUNK_BYTES / Math.max(1, rowElements * 4));
        if (rows <= rowsPerChunk) {
            return readRows(t, 0, rows, manager, target, new Shape(t.shape()));
        }
        NDList parts = new NDList();
        try {
            for (long r = 0; r < rows; r += rowsPerChunk) {
                long n = Math.min(rowsPerChunk, rows - r);
                long[] shape = t.shape().clone();
                shape[0] = n;
                parts.add(readRows(t, r, n, manager, target, new Shape(shape)));
            }
            return NDArrays.concat(parts, 0);
        } finally {
            parts.close();
        }
    }

    private NDArray readRows(TensorInfo t, long firstRow, long rows, NDManager manager, DataType target, Shape shape)
            throws IOException {
        int bpe = bytesPer(t);
        long rowBytes = t.shape().length == 0 ? bpe : (t.end() - t.start()) / Math.max(1, t.shape()[0]);
        ByteBuffer mapped = channels.get(t.file())
                .map(FileChannel.MapMode.READ_ONLY, t.start() + firstRow * rowBytes, rows * rowBytes)
                .order(ByteOrder.LITTLE_ENDIAN);
        NDArray array;
        switch (t.dtype()) {
            case "F32" -> array = manager.create(mapped, shape, DataType.FLOAT32);
            case "F16" -> array = manager.create(mapped, shape, DataType.FLOAT16);
            default -> {
                if (widened.capacity() < mapped.remaining() * 2) {
                    DirectBuffers.release(widened);
                    widened = ByteBuffer.allocateDirect(mapped.remaining() * 2).order(ByteOrder.nativeOrder());
                }
                array = manager.create(Bfloat16.widen(mapped, widened), shape, DataType.FLOAT32);
            }
        }
        // Always copy: an array made from a buffer may keep pointing into it, and the mapping is read-only.
        NDArray owned = array.getDataType() == target ? array.duplicate() : array.toType(target, true);
        array.close();
        DirectBuffers.release(mapped);
        return owned;
    }

    @Override
    public void close() throws IOException {
        DirectBuffers.release(widened);
        widened = ByteBuffer.allocateDirect(0);
        for (FileChannel ch : channels.values()) {
            ch.close();
        }
    }

    /** bf16 ⇄ f32 conversion in Java: bf16 is the upper half of an f32. */
    static final class Bfloat16 {
        private Bfloat16() {
        }

        /** Widens {@code bf16} into the start of {@code out} (capacity ≥ twice its bytes); returns that part of {@code out}. */
        static ByteBuffer widen(ByteBuffer bf16, ByteBuffer out) {
            ShortBuffer in = bf16.asShortBuffer();
            int bytes = in.remaining() * 4;
            out.clear().limit(bytes);
            FloatBuffer floats = out.asFloatBuffer();
            while (in.hasRemaining()) {
                floats.put(Float.intBitsToFloat((in.get() & 0xffff) << 16));
            }
            return out;
        }

        /** Rounds to nearest even, as torch does when casting f32 to bf16. */
        static short narrow(float f) {
            int bits = Float.floatToRawIntBits(f);
            if (Float.isNaN(f)) {
                return (short) 0x7fc0;
            }
            int rounding = 0x7fff + ((bits >>> 16) & 1);
            return (short) ((bits + rounding) >>> 16);
        }
    }
}
