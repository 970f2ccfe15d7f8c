package io.selfalign.trainer.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file line by line, decoding each line on its own as strict UTF-8, so that an invalid byte is
 * reported on the line that holds it (a {@code BufferedReader} decodes thousands of characters ahead and
 * fails on an earlier line). Lines end at {@code \n}; a trailing {@code \r} is dropped.
 */
final class Utf8Lines implements Closeable {
    private final Path file;
    private final InputStream in;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private long line;

    Utf8Lines(Path file) throws IOException {
        this.file = file;
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    /** The next line, or null at the end of the file. */
    String next() throws IOException {
        buffer.reset();
        int b;
        while ((b = in.read()) != -1 && b != '\n') buffer.write(b);
        if (b == -1 && buffer.size() == 0) return null;
        line++;
        byte[] bytes = buffer.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length)).toString();
        } catch (CharacterCodingException e) {
            throw InputException.at(file, line, "not valid UTF-8");
        }
    }

    /** The 1-based number of the line {@link #next()} returned last. */
    long line() {
        return line;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
