package io.selfalign.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSONPath subset CRD printer columns use: fields ({@code .status.phase}) and equality filters on array
 * elements ({@code .status.conditions[?(@.type=="Complete")].status}). Anything else is refused when parsed,
 * so a CRD that needs more fails loudly instead of showing wrong cells.
 */
final class PrinterColumnPath {
    private static final Pattern STEP = Pattern.compile("\\.([A-Za-z0-9_-]+)|\\[\\?\\(@\\.([A-Za-z0-9_-]+)==\"([^\"]*)\"\\)]");

    private record Step(String field, String filterKey, String filterValue) {}

    private final List<Step> steps;

    private PrinterColumnPath(List<Step> steps) {
        this.steps = steps;
    }

    static PrinterColumnPath parse(String path) {
        List<Step> steps = new ArrayList<>();
        Matcher m = STEP.matcher(path);
        int at = 0;
        while (at < path.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("unsupported printer column JSONPath: " + path);
            }
            steps.add(m.group(1) != null ? new Step(m.group(1), null, null) : new Step(null, m.group(2), m.group(3)));
            at = m.end();
        }
        return new PrinterColumnPath(steps);
    }

    /** Every value the path reaches in {@code root}, in document order. */
    List<JsonNode> find(JsonNode root) {
        List<JsonNode> current = List.of(root);
        for (Step step : steps) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode node : current) {
                if (step.field() != null) {
                    if (node.has(step.field())) next.add(node.get(step.field()));
                } else if (node.isArray()) {
                    node.forEach(e -> {
                        if (step.filterValue().equals(e.path(step.filterKey()).asText(null))) next.add(e);
                    });
                }
            }
            current = next;
        }
        return current;
    }
}
