package io.selfalign.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory as Linux reports it in /proc/self/status (-1 elsewhere). */
final class ProcessMemory {
    private ProcessMemory() {}

    /** Peak resident set size so far (VmHWM), MiB. */
    static long peakRssMiB() throws IOException {
        return field("VmHWM:");
    }

    /** Current resident set size (VmRSS), MiB. */
    static long rssMiB() throws IOException {
        return field("VmRSS:");
    }

    private static long field(String name) throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return -1;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
