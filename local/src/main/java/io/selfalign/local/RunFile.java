package io.selfalign.local;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.selfalign.api.v1alpha1.AlignmentRun;
import io.selfalign.operator.validate.ObjectNames;
import io.selfalign.operator.validate.UserValue;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.DuplicateKeyException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads the one AlignmentRun of a local-mode file with the checks a real API server makes before the
 * operator sees a run: one document, the served apiVersion, valid names, values of the field's type (2.7 is
 * no integer; it is not silently cut to 2). Each problem is an {@link IllegalArgumentException} of one line
 * naming the file and the field; no parser's own message reaches the user.
 */
final class RunFile {
    static final String API_VERSION = AlignmentRun.GROUP + "/" + AlignmentRun.VERSION;

    private static final ObjectMapper STRICT = strict();
    // Registers the Kubernetes model's modules on STRICT; kept so they stay registered.
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(STRICT, true);

    private RunFile() {}

    /**
     * Jackson as strict as an API server: 2.7 is no integer, and "2" (a string) is no number nor "true" a boolean
     * (a cluster's CRD schema rejects both; local mode must not run what a cluster refuses).
     */
    private static ObjectMapper strict() {
        ObjectMapper mapper = new ObjectMapper().disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        for (LogicalType type : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        return mapper;
    }

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
        AlignmentRun run = typed(file, yaml, doc);
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
            for (Object document : new Yaml(new SafeConstructor(loaderOptions())).loadAll(yaml)) {
                if (document != null) documents.add(STRICT.valueToTree(document));
            }
            return documents;
        } catch (DuplicateKeyException e) {
            // Which of the two values would win is the parser's choice, not the user's: refuse both.
            Mark at = e.getProblemMark();
            String key = e.getProblem() == null ? "" : e.getProblem().replaceFirst("^found duplicate key ", "");
            throw new IllegalArgumentException(file + ": duplicate key '" + UserValue.shown(key) + "' (line " + (at.getLine() + 1)
                    + "): each key may appear once in a mapping");
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark();
            throw new IllegalArgumentException(file + (at == null ? "" : ":" + (at.getLine() + 1) + ":" + (at.getColumn() + 1))
                    + ": not valid YAML");
        } catch (YAMLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": not valid YAML");
        }
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return options;
    }

    private static AlignmentRun typed(Path file, String yaml, JsonNode doc) {
        try {
            return STRICT.treeToValue(doc, AlignmentRun.class);
        } catch (JsonMappingException e) {
            String line = line(yaml, e.getPath());
            throw new IllegalArgumentException(file + ": " + field(e) + ": " + problem(e) + (line == null ? "" : " (line " + line + ")"));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not an AlignmentRun");
        }
    }

    /**
     * The line of the value at {@code path} in the file's one document, found by composing it again (the values were
     * read without positions); null when the path cannot be followed.
     */
    private static String line(String yaml, List<JsonMappingException.Reference> path) {
        try {
            Node node = new Yaml(new SafeConstructor(loaderOptions())).compose(new StringReader(yaml));
            for (JsonMappingException.Reference r : path) {
                if (r.getFieldName() != null && node instanceof MappingNode map) {
                    node = map.getValue().stream().filter(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(r.getFieldName()))
                            .map(NodeTuple::getValueNode).findFirst().orElse(null);
                } else if (r.getIndex() >= 0 && node instanceof SequenceNode list && r.getIndex() < list.getValue().size()) {
                    node = list.getValue().get(r.getIndex());
                } else {
                    return null;
                }
                if (node == null) return null;
            }
            return node == null ? null : String.valueOf(node.getStartMark().getLine() + 1);
        } catch (YAMLException | IllegalArgumentException e) {
            return null;
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
            boolean quoted = got != null && isString(m) && wouldParseAs(got, m.getTargetType());
            return "expected " + expected(m.getTargetType()) + (got == null ? ""
                    : quoted ? ", got the string \"" + UserValue.shown(got) + "\" (leave out the quotes)" : ", got " + UserValue.shown(got));
        }
        return "has a value of the wrong type";
    }

    /** Whether the value the parser stood on is a string (quoted in YAML, or text where a number was due). */
    private static boolean isString(MismatchedInputException e) {
        return e.getProcessor() instanceof JsonParser p && p.currentToken() == JsonToken.VALUE_STRING;
    }

    /** Whether {@code text} without its quotes is a value of {@code type}: a number or boolean written as a string. */
    private static boolean wouldParseAs(String text, Class<?> type) {
        String e = expected(type);
        if (e.equals("true or false")) return text.equals("true") || text.equals("false");
        if (e.equals("an integer")) return text.matches("[-+]?\\d+");
        if (e.equals("a number")) return text.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
        return false;
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
