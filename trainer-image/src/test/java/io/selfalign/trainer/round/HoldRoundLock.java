package io.selfalign.trainer.round;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stand-in for a first trainer, run in its own process: takes the round's lock, writes into the staging
 * directory as a working round does, says {@code held} on stdout and keeps the lock until stdin closes
 * or the process is killed.
 */
final class HoldRoundLock {
    public static void main(String[] args) throws IOException {
        Path outputDir = Path.of(args[0]);
        try (RoundLock lock = RoundLock.acquire(outputDir, "round 0 of team/demo")) {
            Path staging = RoundOutput.at(outputDir).begin();
            Files.writeString(staging.resolve("metrics.jsonl"), "{\"step\":0}\n");
            System.out.println("held");
            System.out.flush();
            while (System.in.read() >= 0) {
                // keep the lock until the test closes stdin
            }
        }
    }
}
