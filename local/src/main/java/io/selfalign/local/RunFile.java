package io.selfalign.local;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.validate.ObjectNames;
import io.selfalign.operator.validate.UserValue;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the one AlignmentRun of a local-mode file with the checks a real API server makes before the
 * operator sees a run: one document, the served apiVersion, valid names, values of the field's type (2.7 is
 * no integer; it is not silently cut to 2). Each problem is an {@link IllegalArgumentException} of one line
 * naming the file and the field; no parser's own message reaches the user.
 */
final class RunFile {
    static final String API_VERSION = AlignmentRun.GROUP + "/" + AlignmentRun.VERSION;

    private static final ObjectMapper STRICT = new ObjectMapper().disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    // Registers the Kubernetes model's modules on STRICT; kept so they stay registered.
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(STRICT, true);

    private RunFile() {}

    /** The run of {@code file}; a missing namespace means "default". */
    static AlignmentRun read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text");
        }
        List<JsonNode> documents = documents(file, yaml);
        if (documents.size() != 1) {
            throw new IllegalArgumentException(file + ": holds " + documents.size() + " YAML documents; local mode runs one "
                    + "AlignmentRun, give it a file of its own");
        }
        JsonNode doc = documents.get(0);
        if (!doc.isObject()) throw new IllegalArgumentException(file + ": expected one object of kind AlignmentRun");
        String kind = doc.path("kind").asText("");
        if (!"AlignmentRun".equals(kind)) {
            throw new IllegalArgumentException(file + ": kind: expected AlignmentRun, got '" + UserValue.shown(kind) + "'");
        }
        String apiVersion = doc.path("apiVersion").asText("");
        if (!API_VERSION.equals(apiVersion)) {
            throw new IllegalArgumentException(file + ": apiVersion: expected " + API_VERSION + ", got '" + UserValue.shown(apiVersion) + "'");
        }
        AlignmentRun run = typed(file, doc);
        if (run.getMetadata() == null || run.getMetadata().getName() == null) {
            throw new IllegalArgumentException(file + ": metadata.name is required");
        }
        if (run.getMetadata().getNamespace() == null) run.getMetadata().setNamespace("default");
        ObjectNames.nameProblem("metadata.name", run.getMetadata().getName()).ifPresent(p -> {
            throw new IllegalArgumentException(file + ": " + p);
        });
        ObjectNames.namespaceProblem("metadata.namespace", run.getMetadata().getNamespace()).ifPresent(p -> {
            throw new IllegalArgumentException(file + ": " + p);
        });
        return run;
    }

    /** The file's YAML documents (SnakeYAML, as Fabric8 and kubectl read YAML: {@code .inf} is a number there). */
    private static List<JsonNode> documents(Path file, String yaml) {
        try {
            List<JsonNode> documents = new ArrayList<>();
            for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
                if (document != null) documents.add(STRICT.valueToTree(document));
            }
            return documents;
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark();
            throw new IllegalArgumentException(file + (at == null ? "" : ":" + (at.getLine() + 1) + ":" + (at.getColumn() + 1))
                    + ": not valid YAML");
        } catch (YAMLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": not valid YAML");
        }
    }

    private static AlignmentRun typed(Path file, JsonNode doc) {
        try {
            return STRICT.treeToValue(doc, AlignmentRun.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(file + ": " + field(e) + ": " + problem(e));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not an AlignmentRun");
        }
    }

    /** The field path of a mapping error: {@code spec.data.promptsPerIteration}, {@code spec.trainer.env[0].name}. */
    static String field(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (b.length() > 0) b.append('.');
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.length() == 0 ? "(document)" : b.toString();
    }

    private static String problem(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException) return "unknown field";
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            String got = e instanceof InvalidFormatException f ? String.valueOf(f.getValue()) : offendingText(m);
            return "expected " + expected(m.getTargetType()) + (got == null ? "" : ", got " + UserValue.shown(got));
        }
        return "has a value of the wrong type";
    }

    /** The text of the value the parser stood on, when it can tell. */
    private static String offendingText(MismatchedInputException e) {
        try {
            return e.getProcessor() instanceof JsonParser p && p.currentToken() != null && p.currentToken().isScalarValue() ? p.getText() : null;
        } catch (IOException | RuntimeException unknown) {
            return null;
        }
    }

    private static String expected(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class || type == short.class) return "an integer";
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) return "a number";
        if (type == boolean.class || type == Boolean.class) return "true or false";
        if (type == String.class) return "a string";
        if (Collection.class.isAssignableFrom(type) || type.isArray()) return "a list (e.g. [8])";
        if (Map.class.isAssignableFrom(type)) return "a map";
        return "an object";
    }
}
