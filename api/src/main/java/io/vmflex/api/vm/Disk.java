package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * An extra disk mounted in the guest, as NeonVM's {@code spec.disks[]}: exactly one source of
 * emptyDisk, configMap, secret or tmpfs. configMap and secret are Kubernetes volume sources kept
 * as JSON trees. Immutable (the JSON trees must not be mutated by callers).
 *
 * @param name      a DNS label, at most 32 characters, unique, not a reserved name
 * @param readOnly  defaults to false
 * @param mountPath where it is mounted in the guest; must not contain ':'
 * @param watch     defaults to false; re-sync configMap/secret contents when they change
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Disk(
        String name,
        Boolean readOnly,
        String mountPath,
        Boolean watch,
        EmptyDiskSource emptyDisk,
        JsonNode configMap,
        JsonNode secret,
        TmpfsDiskSource tmpfs) {

    public Disk withFlags(Boolean newReadOnly, Boolean newWatch) {
        return new Disk(name, newReadOnly, mountPath, newWatch, emptyDisk, configMap, secret, tmpfs);
    }
}
