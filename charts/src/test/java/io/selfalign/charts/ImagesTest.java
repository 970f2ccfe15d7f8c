package io.selfalign.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The images' Dockerfiles agree with the build, the operator's Job and the chart (no Docker needed). */
class ImagesTest {

    static final Dockerfile TRAINER = new Dockerfile(Repo.ROOT.resolve("trainer-image/Dockerfile"));
    static final Dockerfile OPERATOR = new Dockerfile(Repo.ROOT.resolve("operator/src/main/docker/Dockerfile.jvm"));

    @Test
    void trainerImageDefaultsToCudaAndHasACpuVariant() {
        assertEquals("gpu", TRAINER.finalStage().name(), "docker build without --target must give the CUDA image");
        assertEquals("cu128", TRAINER.globalArgs.get("TORCH_FLAVOR"));
        assertEquals(pomProperty("pytorch.version"), TRAINER.globalArgs.get("TORCH_VERSION"),
                "the image's torch must be the version pytorch-jni was built for");
        assertEquals("cpu", TRAINER.stage("cpu").env().get("PYTORCH_FLAVOR"));
        assertEquals("cu128", TRAINER.stage("gpu").env().get("PYTORCH_FLAVOR"));
        assertTrue(TRAINER.stage("torch").last("RUN").contains("download.pytorch.org/whl/${TORCH_FLAVOR}"));
    }

    @Test
    void bothTrainerVariantsRunOfflineAsNonRootWithAReadOnlyRoot() {
        for (String variant : List.of("cpu", "gpu")) {
            Dockerfile.Stage stage = TRAINER.stage(variant);
            Map<String, String> env = stage.env();
            assertEquals("1000:1000", stage.last("USER"), variant + ": numeric non-root user, the UID the operator's Job runs as");
            assertEquals("true", env.get("DJL_OFFLINE"), variant);
            assertEquals("/opt/djl-cache", env.get("DJL_CACHE_DIR"), variant + ": pre-extracted natives");
            assertEquals(TRAINER.globalArgs.get("TORCH_VERSION"), env.get("PYTORCH_VERSION"), variant);
            assertTrue(env.containsKey("PYTORCH_LIBRARY_PATH"), variant);
            assertEquals("/tmp", env.get("HOME"), variant + ": the only writable place besides /workspace");
            // Needed to work: in JDK_JAVA_OPTIONS, which the operator's JAVA_TOOL_OPTIONS cannot replace.
            for (String option : List.of("-Dai.djl.offline=true", "-Djna.boot.library.path=/opt/jna", "-Djna.nounpack=true")) {
                assertTrue(env.getOrDefault("JDK_JAVA_OPTIONS", "").contains(option), variant + ": " + option);
                assertFalse(env.getOrDefault("JAVA_TOOL_OPTIONS", "").contains(option), variant + ": " + option);
            }
            assertEquals("/workspace", stage.last("WORKDIR"), variant);
            assertEquals("9400", stage.last("EXPOSE"), variant + ": the trainer's metrics port");
            assertEquals("[\"java\", \"-jar\", \"/opt/selfalign/selfalign-trainer.jar\"]", stage.last("ENTRYPOINT"), variant);
        }
    }

    @Test
    void trainerImageCopiesWhatTheTrainerBuildProduces() throws IOException {
        JsonNode pom = new XmlMapper().readTree(Repo.ROOT.resolve("trainer-image/pom.xml").toFile());
        assertEquals("selfalign-trainer", pom.at("/build/finalName").asText());
        List<String> copies = TRAINER.stage("app").all("COPY");
        assertTrue(copies.contains("target/selfalign-trainer.jar /app/selfalign-trainer.jar"), copies.toString());
        assertTrue(copies.contains("target/lib/ /app/lib/"), copies.toString());
        assertTrue(pom.toString().contains("${project.build.directory}/lib"), "the trainer build must copy its dependencies to target/lib");
        String ignore = Repo.read(Repo.ROOT.resolve("trainer-image/.dockerignore"));
        for (String allowed : List.of("!target/selfalign-trainer.jar", "!target/lib/", "!docker/")) {
            assertTrue(ignore.contains(allowed), ".dockerignore must let " + allowed + " into the build context");
        }
    }

    @Test
    void operatorImageRunsQuarkusAsNonRootOnTheChartsPort() {
        Dockerfile.Stage stage = OPERATOR.finalStage();
        assertEquals("185", stage.last("USER"));
        assertEquals("/deployments/quarkus-run.jar", stage.env().get("JAVA_APP_JAR"));
        assertTrue(stage.all("COPY").stream().allMatch(c -> c.startsWith("--chown=185 target/quarkus-app/")), stage.all("COPY").toString());
        String port = stage.last("EXPOSE");
        int chartPort = RenderedChart.render().one("Deployment", "").at("/spec/template/spec/containers/0/ports/0/containerPort").asInt();
        assertEquals(port, String.valueOf(chartPort));
    }

    static String pomProperty(String name) {
        try {
            return new XmlMapper().readTree(Repo.ROOT.resolve("pom.xml").toFile()).at("/properties/" + name).asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
