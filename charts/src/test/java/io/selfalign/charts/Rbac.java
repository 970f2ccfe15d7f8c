package io.selfalign.charts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** RBAC rules flattened to "group/resource[resourceName]" → verbs, so two roles compare regardless of rule layout. */
final class Rbac {
    private Rbac() {}

    static Map<String, Set<String>> grants(JsonNode role) {
        Map<String, Set<String>> grants = new TreeMap<>();
        for (JsonNode rule : role.path("rules")) {
            if (rule.has("nonResourceURLs")) throw new AssertionError("unexpected rule shape " + rule);
            List<String> names = new ArrayList<>();
            rule.path("resourceNames").forEach(n -> names.add("[" + n.asText() + "]"));
            if (names.isEmpty()) names.add("");
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    for (String name : names) {
                        Set<String> verbs = grants.computeIfAbsent(group.asText() + "/" + resource.asText() + name, k -> new TreeSet<>());
                        rule.path("verbs").forEach(v -> verbs.add(v.asText()));
                    }
                }
            }
        }
        return grants;
    }

    static Set<String> verbs(String... verbs) {
        return new TreeSet<>(Set.of(verbs));
    }
}
