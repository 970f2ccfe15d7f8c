package io.selfalign.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `trainer … 2> log` typed at a terminal: stdin and stdout are the terminal, stderr a file. */
class ProgressTerminalTest {
    @Test
    void stderrRedirectedToAFileGetsPlainLinesEvenOnATerminal(@TempDir Path dir) throws Exception {
        // util-linux `script` gives the child a pseudo-terminal, as an interactive shell would.
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script is needed for a pseudo-terminal");
        Path log = dir.resolve("stderr.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "'" + java + "' -cp '" + System.getProperty("java.class.path") + "' "
                + ProgressProbe.class.getName() + " 2> '" + log + "'";
        Process p = new ProcessBuilder("/usr/bin/script", "-qec", command, "/dev/null")
                .redirectErrorStream(true).redirectOutput(dir.resolve("terminal.out").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("terminal.out")));
        String written = Files.readString(log);
        assertTrue(written.contains("probe"), written);
        assertFalse(written.contains("\u001b["), "ANSI codes in a file: " + written);
        assertFalse(written.contains("\r"), "carriage returns in a file: " + written);
    }
}
