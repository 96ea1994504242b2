package io.vmflex.image.oci;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * What a container image says about running it (its config blob's {@code os},
 * {@code architecture} and {@code config}), the part a VM's workload needs: entrypoint, command,
 * environment, working directory and user, as a container runtime would take them.
 *
 * @param diffIds sha256 of each layer's uncompressed tar, in order ({@code rootfs.diff_ids})
 */
public record ImageConfig(String os, String architecture, List<String> entrypoint, List<String> cmd,
                          List<String> env, String workingDir, String user, List<Digest> diffIds) {

    /** The one platform vmflex runs: its guests are x86-64 Linux. */
    public static final String OS = "linux";
    public static final String ARCHITECTURE = "amd64";

    static ImageConfig parse(JsonNode json) throws ImageRefusedException {
        if (!json.isObject()) {
            throw new ImageRefusedException("image config is not a JSON object");
        }
        String os = json.path("os").asText("");
        String arch = json.path("architecture").asText("");
        if (!OS.equals(os) || !ARCHITECTURE.equals(arch)) {
            throw new ImageRefusedException("image is for " + (os.isEmpty() ? "?" : os) + "/" + (arch.isEmpty() ? "?" : arch)
                    + ", vmflex runs " + OS + "/" + ARCHITECTURE + " images only");
        }
        JsonNode config = json.path("config");
        List<Digest> diffIds = new ArrayList<>();
        for (JsonNode d : json.path("rootfs").path("diff_ids")) {
            diffIds.add(Digest.parse(d.asText(null), "image config rootfs.diff_ids"));
        }
        return new ImageConfig(os, arch, strings(config.path("Entrypoint"), "Entrypoint"), strings(config.path("Cmd"), "Cmd"),
                strings(config.path("Env"), "Env"), config.path("WorkingDir").asText(""), config.path("User").asText(""),
                List.copyOf(diffIds));
    }

    private static List<String> strings(JsonNode node, String field) throws ImageRefusedException {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ImageRefusedException("image config " + field + " is not a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : node) {
            if (!s.isTextual()) {
                throw new ImageRefusedException("image config " + field + " is not a list of strings");
            }
            out.add(s.asText());
        }
        return List.copyOf(out);
    }
}
