package io.selfalign.operator.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator (target/quarkus-app, what the image copies) holds none of the test kit: the fake Job
 * controller and kubelet must never run against a real cluster.
 */
class RuntimeClasspathIT {
    private static final Path APP = Path.of(System.getProperty("selfalign.quarkusApp", "target/quarkus-app"));

    @Test
    void thePackagedOperatorHoldsNoTestKitClass() throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.walk(APP)) {
            jars = files.filter(f -> f.toString().endsWith(".jar")).toList();
        }
        List<String> testKit = new ArrayList<>();
        boolean reconcilerSeen = false;
        for (Path jar : jars) {
            if (jar.getFileName().toString().contains("test-kit")) testKit.add(jar.toString());
            try (JarFile j = new JarFile(jar.toFile())) {
                for (String name : j.stream().map(JarEntry::getName).toList()) {
                    if (name.startsWith("io/selfalign/testkit/") || name.endsWith("/Kubelet.class")) testKit.add(jar + "!" + name);
                    reconcilerSeen |= name.equals("io/selfalign/operator/reconcile/AlignmentRunReconciler.class");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(jar.toString(), e);
            }
        }
        assertTrue(reconcilerSeen, "the operator's own classes are in " + APP + " (else this check proves nothing)");
        assertEquals(List.of(), testKit, "test kit classes in the packaged operator");
    }
}
