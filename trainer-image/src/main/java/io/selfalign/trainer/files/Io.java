package io.selfalign.trainer.files;

import java.io.IOException;
import java.nio.file.Path;

/** I/O failures that say which path they concern. */
public final class Io {
    private Io() {}

    /**
     * {@code e} with {@code path} in its message: the JDK's write errors ("No space left on device",
     * "Disk quota exceeded") name no file. Returns {@code e} itself when the message names the path already.
     */
    public static IOException naming(Path path, IOException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains(path.toString())) return e;
        return new IOException(path + ": " + message, e);
    }
}
