package io.selfalign.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The openAPIV3Schema of one CRD version as a JSON-schema validator that answers like
 * {@code kubectl apply} with its default strict field validation: wrong types, ranges, enums,
 * patterns, missing required fields AND unknown fields are errors.
 *
 * <p>Kubernetes' structural schemas are OpenAPI 3.0 schemas (draft-4 semantics: boolean
 * exclusiveMinimum/Maximum) with extensions. The conversion: unknown fields → additionalProperties:
 * false unless the schema sets x-kubernetes-preserve-unknown-fields; nullable → a null type; the
 * x-kubernetes-* keys dropped. CEL rules (x-kubernetes-validations) are not evaluated here — the
 * API server checks them, and the operator re-checks everything it cannot express.
 */
final class CrdSchema {
    final String group;
    final String version;
    final String kind;
    private final JsonSchema schema;

    private CrdSchema(String group, String version, String kind, JsonSchema schema) {
        this.group = group;
        this.version = version;
        this.kind = kind;
        this.schema = schema;
    }

    /** The storage version's schema of the CRD file. */
    static CrdSchema load(java.nio.file.Path crdFile) {
        try {
            JsonNode crd = RenderedChart.YAML.readTree(crdFile.toFile());
            JsonNode storage = null;
            for (JsonNode v : crd.at("/spec/versions")) {
                if (v.path("storage").asBoolean()) storage = v;
            }
            if (storage == null) throw new AssertionError(crdFile + " has no storage version");
            JsonNode openApi = storage.at("/schema/openAPIV3Schema");
            if (!openApi.isObject()) throw new AssertionError(crdFile + " has no openAPIV3Schema for " + storage.path("name"));
            ObjectNode root = (ObjectNode) openApi.deepCopy();
            // The API server implies these at the root of every custom resource.
            ObjectNode properties = root.with("properties");
            properties.putObject("apiVersion").put("type", "string");
            properties.putObject("kind").put("type", "string");
            properties.putObject("metadata").put("type", "object");
            ObjectNode strict = strict(root);
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(strict);
            return new CrdSchema(crd.at("/spec/group").asText(), storage.path("name").asText(),
                    crd.at("/spec/names/kind").asText(), schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String apiVersion() {
        return group + "/" + version;
    }

    /** Every problem with this object, one line each with its JSON path; empty when it would be accepted. */
    List<String> problems(JsonNode object) {
        List<String> problems = schema.validate(object).stream()
                .map(ValidationMessage::getMessage).sorted().collect(Collectors.toList());
        if (!apiVersion().equals(object.path("apiVersion").asText())) {
            problems.add(0, "apiVersion: expected " + apiVersion() + ", got " + object.path("apiVersion"));
        }
        String name = object.at("/metadata/name").asText();
        // Jobs and ConfigMaps are named after the run, so it must be a DNS label.
        if (!name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || name.length() > 63) {
            problems.add(0, "metadata.name: must be a DNS label (lower case, digits, '-', <= 63), got '" + name + "'");
        }
        return problems;
    }

    private static ObjectNode strict(ObjectNode node) {
        boolean preserveUnknown = node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (node.path("nullable").asBoolean(false) && node.has("type")) {
            ArrayNode types = JsonNodeFactory.instance.arrayNode().add(node.get("type").asText()).add("null");
            node.set("type", types);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (field.startsWith("x-kubernetes-") || field.equals("nullable")) it.remove();
        }
        if (node.has("properties") && !node.has("additionalProperties") && !preserveUnknown) {
            node.put("additionalProperties", false);
        }
        // Descend into every sub-schema (but not into default values or examples, which are data).
        for (Map.Entry<String, JsonNode> e : iterable(node.fields())) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.equals("properties")) {
                value.fields().forEachRemaining(p -> strict((ObjectNode) p.getValue()));
            } else if ((key.equals("items") || key.equals("additionalProperties") || key.equals("not")) && value.isObject()) {
                strict((ObjectNode) value);
            } else if ((key.equals("anyOf") || key.equals("allOf") || key.equals("oneOf")) && value.isArray()) {
                value.forEach(s -> strict((ObjectNode) s));
            }
        }
        return node;
    }

    private static <T> Iterable<T> iterable(Iterator<T> it) {
        List<T> list = new java.util.ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }
}
