package io.selfalign.charts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Pod Security Standard "restricted" profile (kubernetes.io/docs/concepts/security/pod-security-standards),
 * checked on a pod spec the way the admission controller would, plus a read-only root filesystem where asked.
 */
final class PodSecurity {
    private static final Set<String> RESTRICTED_VOLUMES =
            Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");

    private PodSecurity() {}

    /** Every violation, each naming the field; empty when the pod would be admitted. */
    static List<String> restrictedViolations(JsonNode pod) {
        List<String> v = new ArrayList<>();
        JsonNode podSc = pod.path("securityContext");
        for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (pod.path(host).asBoolean(false)) v.add(host + ": must not be true");
        }
        for (JsonNode volume : pod.path("volumes")) {
            List<String> types = new ArrayList<>();
            volume.fieldNames().forEachRemaining(f -> { if (!f.equals("name")) types.add(f); });
            if (!RESTRICTED_VOLUMES.containsAll(types)) v.add("volumes[" + volume.path("name").asText() + "]: type " + types + " not allowed");
        }
        List<JsonNode> containers = new ArrayList<>();
        pod.path("initContainers").forEach(containers::add);
        pod.path("containers").forEach(containers::add);
        for (JsonNode c : containers) {
            String at = "containers[" + c.path("name").asText() + "].securityContext.";
            JsonNode sc = c.path("securityContext");
            if (sc.path("privileged").asBoolean(false)) v.add(at + "privileged: must not be true");
            if (sc.path("allowPrivilegeEscalation").asBoolean(true)) v.add(at + "allowPrivilegeEscalation: must be false");
            List<String> drop = new ArrayList<>();
            sc.at("/capabilities/drop").forEach(d -> drop.add(d.asText()));
            if (!drop.contains("ALL")) v.add(at + "capabilities.drop: must contain ALL");
            sc.at("/capabilities/add").forEach(a -> {
                if (!a.asText().equals("NET_BIND_SERVICE")) v.add(at + "capabilities.add: " + a.asText() + " not allowed");
            });
            boolean nonRoot = sc.has("runAsNonRoot") ? sc.path("runAsNonRoot").asBoolean() : podSc.path("runAsNonRoot").asBoolean(false);
            if (!nonRoot) v.add(at + "runAsNonRoot: must be true (here or in the pod's securityContext)");
            long uid = sc.has("runAsUser") ? sc.path("runAsUser").asLong() : podSc.path("runAsUser").asLong(-1);
            if (uid == 0) v.add(at + "runAsUser: must not be 0");
            String seccomp = sc.has("seccompProfile") ? sc.at("/seccompProfile/type").asText() : podSc.at("/seccompProfile/type").asText();
            if (!seccomp.equals("RuntimeDefault") && !seccomp.equals("Localhost")) {
                v.add(at + "seccompProfile.type: must be RuntimeDefault or Localhost");
            }
        }
        return v;
    }
}
