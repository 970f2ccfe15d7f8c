package io.selfalign.charts;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository checkout the tests run in (set by the module's surefire configuration). */
final class Repo {
    static final Path ROOT = Path.of(System.getProperty("selfalign.root", "..")).toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("charts/selfalign");
    /** The CRD generated from the Java types by the operator build, checked in. */
    static final Path CRD = ROOT.resolve("crds/alignmentruns.selfalign.io-v1.yml");
    static final Path EXAMPLES = ROOT.resolve("examples");

    private Repo() {}

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
        }
    }
}
