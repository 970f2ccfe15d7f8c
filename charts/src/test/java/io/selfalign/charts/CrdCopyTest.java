package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart ships the CRD generated from the Java types (crds/, kept in sync with the types by the
 * operator's own test) byte for byte: edit the types, regenerate, then copy
 * crds/*.yml to charts/selfalign/crds/.
 */
class CrdCopyTest {

    @Test
    void chartCrdsAreExactlyTheGeneratedCrds() throws IOException {
        Path chartCrds = Repo.CHART.resolve("crds");
        Path generated = Repo.CRD.getParent();
        assertEquals(fileNames(generated), fileNames(chartCrds), "the chart must ship every generated CRD and nothing else");
        for (String name : fileNames(generated)) {
            assertEquals(Files.readString(generated.resolve(name)), Files.readString(chartCrds.resolve(name)),
                    "charts/selfalign/crds/" + name + " differs from crds/" + name + ": cp crds/*.yml charts/selfalign/crds/");
        }
    }

    @Test
    void theAlignmentRunCrdIsThere() {
        assertEquals("AlignmentRun", ExamplesSchemaTest.SCHEMA.kind);
        assertEquals("selfalign.io/v1alpha1", ExamplesSchemaTest.SCHEMA.apiVersion());
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
