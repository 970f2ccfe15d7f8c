package io.selfalign.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.files.WorkspacePath;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes tensors as one safetensors file, streaming each tensor in row chunks so that no buffer exceeds
 * 2 GB and the Java heap holds no weights. The caller writes to a temporary name and renames.
 */
final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CHUNK_BYTES = 64L << 20;

    /** One tensor to write: its checkpoint name, data, and the dtype to store (F32, F16 or BF16). */
    record Entry(String name, NDArray array, String dtype) {
        long bytes() {
            return array.getShape().size() * ("F32".equals(dtype) ? 4 : 2);
        }
    }

    private SafetensorsWriter() {
    }

    static void write(Path file, List<Entry> entries) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype());
            var shape = t.putArray("shape");
            for (long d : e.array().getShape().getShape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.bytes());
            offset += e.bytes();
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        try (FileChannel ch = FileChannel.open(WorkspacePath.check(file), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(ch, head.flip());
            for (Entry e : entries) {
                writeTensor(ch, e);
            }
        }
    }

    private static void writeTensor(FileChannel ch, Entry e) throws IOException {
        NDArray a = e.array();
        long rows = a.getShape().dimension() == 0 ? 1 : a.getShape().get(0);
        long rowBytes = Math.max(1, e.bytes() / Math.max(1, rows));
        long rowsPerChunk = Math.max(1, CHUNK_BYTES / rowBytes);
        for (long r = 0; r < rows; r += rowsPerChunk) {
            long n = Math.min(rowsPerChunk, rows - r);
            try (NDArray part = a.getShape().dimension() == 0 || n == rows ? a.duplicate()
                    : a.get(new NDIndex("{}:{}", r, r + n))) {
                writeFully(ch, encode(part, e.dtype()));
            }
        }
    }

    private static ByteBuffer encode(NDArray part, String dtype) {
        return switch (dtype) {
            case "F32" -> convert(part, DataType.FLOAT32);
            case "F16" -> convert(part, DataType.FLOAT16);
            case "BF16" -> {
                FloatBuffer f = convert(part, DataType.FLOAT32).asFloatBuffer();
                ByteBuffer out = ByteBuffer.allocate(f.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
                while (f.hasRemaining()) {
                    out.putShort(SafetensorsReader.Bfloat16.narrow(f.get()));
                }
                yield out.flip();
            }
            default -> throw new IllegalArgumentException("cannot write dtype " + dtype);
        };
    }

    /** A heap copy of the data, so that it outlives the temporary converted array. */
    private static ByteBuffer convert(NDArray part, DataType type) {
        try (NDArray c = part.toType(type, true)) {
            ByteBuffer data = c.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return ByteBuffer.allocate(data.remaining()).order(ByteOrder.LITTLE_ENDIAN).put(data).flip();
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
