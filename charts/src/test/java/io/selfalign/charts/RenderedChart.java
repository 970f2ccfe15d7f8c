package io.selfalign.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The chart rendered by helm's own template engine (helm-java runs helm in-process, offline), parsed
 * into one JSON tree per Kubernetes object.
 */
final class RenderedChart {
    static final String RELEASE = "sa";
    static final String NAMESPACE = "selfalign-system";
    /** A current Kubernetes; the chart's kubeVersion constraint rejects helm's default (1.20). */
    static final String KUBE_VERSION = "1.31.0";

    static final YAMLMapper YAML = new YAMLMapper();

    final List<ObjectNode> objects;

    private RenderedChart(List<ObjectNode> objects) {
        this.objects = objects;
    }

    /** Renders with the chart's defaults. */
    static RenderedChart render() {
        return render(Map.of());
    }

    /**
     * Renders with these values layered over the defaults (nested maps, as in a values file).
     *
     * @throws IllegalStateException with helm's message when the values or templates are rejected
     */
    static RenderedChart render(Map<String, ?> values) {
        return parse(template(values));
    }

    /** helm template output, or helm's error as an IllegalStateException. */
    static String template(Map<String, ?> values) {
        try {
            Path file = Files.createTempFile("values", ".yaml");
            try {
                YAML.writeValue(file.toFile(), values);
                return new Helm(Repo.CHART).template()
                        .withName(RELEASE)
                        .withNamespace(NAMESPACE)
                        .withKubeVersion(KUBE_VERSION)
                        .withValuesFile(file)
                        .call();
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RenderedChart parse(String manifest) {
        List<ObjectNode> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(manifest)) {
            var it = new ObjectMapper().readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && node.isObject() && node.has("kind")) objects.add((ObjectNode) node);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("helm rendered invalid YAML", e);
        }
        return new RenderedChart(objects);
    }

    List<ObjectNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).collect(Collectors.toList());
    }

    /** The single object of this kind whose name ends with the suffix; fails otherwise. */
    ObjectNode one(String kind, String nameSuffix) {
        List<ObjectNode> found = ofKind(kind).stream()
                .filter(o -> o.path("metadata").path("name").asText().endsWith(nameSuffix))
                .collect(Collectors.toList());
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + " named *" + nameSuffix + ", found " + names(found)
                    + " among " + names(objects));
        }
        return found.get(0);
    }

    static List<String> names(List<ObjectNode> objects) {
        return objects.stream()
                .map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("namespace").asText("-") + "/"
                        + o.path("metadata").path("name").asText())
                .collect(Collectors.toList());
    }
}
