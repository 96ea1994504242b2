package io.vmflex.vmm.events;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * One thing that happened to a VM or the node, as shown by {@code vmctl events} and streamed by
 * {@code GET /v1/events?watch=true}.
 *
 * @param vm the VM's name, or null for a node-wide event
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmEvent(Instant time, Type type, String reason, String vm, String message) {
    public enum Type { Normal, Warning }

    public static VmEvent normal(String vm, String reason, String message) {
        return new VmEvent(Instant.now(), Type.Normal, reason, vm, message);
    }

    public static VmEvent warning(String vm, String reason, String message) {
        return new VmEvent(Instant.now(), Type.Warning, reason, vm, message);
    }
}
