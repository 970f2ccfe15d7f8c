package io.selfalign.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Answers kubectl's {@code Accept: …;as=Table;…} reads of a custom resource as an API server does — one row per
 * object with the CRD's printer columns — so that {@code kubectl get arun} shows Phase, Iteration, … in local
 * mode. Fabric8's mock server only knows plain JSON; everything else goes to it unchanged, watches included.
 */
final class TableDispatcher extends Dispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Dispatcher delegate;
    private final Pattern resourcePath;
    private final List<CustomResourceColumnDefinition> columns;
    private final List<PrinterColumnPath> paths = new ArrayList<>();

    TableDispatcher(Dispatcher delegate, CustomResourceDefinition crd) {
        this.delegate = delegate;
        var spec = crd.getSpec();
        var version = spec.getVersions().stream().filter(v -> Boolean.TRUE.equals(v.getStorage())).findFirst()
                .orElse(spec.getVersions().get(0));
        this.resourcePath = Pattern.compile("/apis/" + Pattern.quote(spec.getGroup() + "/" + version.getName())
                + "(/namespaces/[^/]+)?/" + Pattern.quote(spec.getNames().getPlural()) + "(/[^/?]+)?(\\?.*)?");
        this.columns = version.getAdditionalPrinterColumns() == null ? List.of() : version.getAdditionalPrinterColumns();
        columns.forEach(c -> paths.add(PrinterColumnPath.parse(c.getJsonPath())));
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        MockResponse response = delegate.dispatch(request);
        String accept = request.getHeader("Accept");
        String path = request.getPath();
        if (!"GET".equals(request.getMethod()) || accept == null || !accept.contains("as=Table")
                || !resourcePath.matcher(path).matches() || path.contains("watch=true") || response.code() != 200) {
            return response;
        }
        try {
            JsonNode body = JSON.readTree(response.getBody().getBytes());
            return response.setBody(JSON.writeValueAsString(table(body, Instant.now())));
        } catch (java.io.IOException e) {
            return response;
        }
    }

    /** The Table of a list or a single object, with ages counted from {@code now}. */
    ObjectNode table(JsonNode body, Instant now) {
        ObjectNode table = JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", body.path("metadata").path("resourceVersion").asText(""));
        ArrayNode definitions = table.putArray("columnDefinitions");
        definitions.addObject().put("name", "Name").put("type", "string").put("format", "name").put("priority", 0)
                .put("description", "Name must be unique within a namespace.");
        for (CustomResourceColumnDefinition c : columns) {
            definitions.addObject().put("name", c.getName()).put("type", c.getType()).put("format", c.getFormat() == null ? "" : c.getFormat())
                    .put("priority", c.getPriority() == null ? 0 : c.getPriority())
                    .put("description", c.getDescription() == null ? "" : c.getDescription());
        }
        ArrayNode rows = table.putArray("rows");
        Iterable<JsonNode> items = body.path("kind").asText().endsWith("List") ? body.path("items") : List.of(body);
        for (JsonNode item : items) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            cells.add(item.path("metadata").path("name").asText());
            for (int i = 0; i < columns.size(); i++) {
                List<JsonNode> found = paths.get(i).find(item);
                JsonNode value = found.isEmpty() ? null : found.get(0);
                if (value == null || value.isNull() || value.isMissingNode()) {
                    cells.addNull();
                } else if ("date".equals(columns.get(i).getType())) {
                    cells.add(age(value.asText(), now));
                } else {
                    cells.add(value);
                }
            }
            row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1")
                    .set("metadata", item.path("metadata").deepCopy());
        }
        return table;
    }

    /** A timestamp as kubectl's age, e.g. 45s, 3m12s, 2h5m, 3d4h (apimachinery's HumanDuration). */
    static String age(String timestamp, Instant now) {
        Duration d;
        try {
            d = Duration.between(Instant.parse(timestamp), now);
        } catch (DateTimeParseException e) {
            return "<invalid>";
        }
        long s = d.getSeconds();
        if (s < -1) return "<invalid>";
        if (s < 0) return "0s";
        if (s < 120) return s + "s";
        long m = s / 60;
        if (m < 10) return s % 60 == 0 ? m + "m" : m + "m" + s % 60 + "s";
        if (m < 180) return m + "m";
        long h = m / 60;
        if (h < 8) return m % 60 == 0 ? h + "h" : h + "h" + m % 60 + "m";
        if (h < 48) return h + "h";
        if (h < 24 * 8) return h % 24 == 0 ? h / 24 + "d" : h / 24 + "d" + h % 24 + "h";
        if (h < 24 * 365 * 2) return h / 24 + "d";
        if (h < 24 * 365 * 8) {
            long dy = h / 24 % 365;
            return dy == 0 ? h / 24 / 365 + "y" : h / 24 / 365 + "y" + dy + "d";
        }
        return h / 24 / 365 + "y";
    }
}
