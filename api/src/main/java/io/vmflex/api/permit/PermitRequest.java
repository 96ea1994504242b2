package io.vmflex.api.permit;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Agent → scheduler, {@code POST /v1/permits}: "VM {@code vm} on {@code node} uses
 * {@code current} and wants {@code requested}". One message serves both directions, per resource:
 *
 * <ul>
 *   <li>{@code requested} above what the scheduler holds for the VM asks for an increase: the
 *       answer's permit lies between the two (all, part in whole {@code unit}s, or nothing).</li>
 *   <li>{@code requested} at or below it is the downscale release ("tell the scheduler it may
 *       release"): sent after the VM was shrunk, always granted; the scheduler keeps reserved only
 *       {@code max(current, requested)}.</li>
 * </ul>
 *
 * <p>{@code seq} orders one VM's requests: it strictly increases for the life of the VM, across agent
 * restarts too (an agent that keeps no state starts from its start time in microseconds). A
 * request with the seq the scheduler saw last is a retry and gets the same answer without reserving
 * again; an older seq is stale and changes nothing.
 *
 * <p>The agent's side of the bargain: from the moment it sends a request it lets the VM use at most
 * {@code min(permit held, requested)} per resource, until an answer gives it a new permit. So a
 * release that is lost on the way can not leave the agent holding what the scheduler gave away.
 *
 * <p>Immutable and thread-safe. The constructor enforces the ranges, so an in-process caller gets
 * the same one-line errors as a remote one.
 *
 * @param version    the permit protocol version, {@link PermitCodec#VERSION}
 * @param vm         the VM's name ({@code name} or {@code namespace/name})
 * @param node       the node the VM runs on
 * @param seq        per-VM sequence, 1 or more
 * @param current    what the VM uses now (its spec's {@code use}, as applied)
 * @param requested  what the agent wants the VM to have
 * @param unit       the VM's compute unit; partial grants are whole multiples of it. Optional: the
 *                   scheduler's default unit when absent
 * @param lastPermit the permit the agent holds from an earlier answer; optional
 * @param metrics    load seen by the agent; optional
 */
public record PermitRequest(
        @JsonProperty(required = true) int version,
        @JsonProperty(required = true) String vm,
        @JsonProperty(required = true) String node,
        @JsonProperty(required = true) long seq,
        @JsonProperty(required = true) ResourceAmount current,
        @JsonProperty(required = true) ResourceAmount requested,
        ResourceAmount unit,
        ResourceAmount lastPermit,
        PermitMetrics metrics) {

    public PermitRequest {
        PermitCodec.checkVersion(version);
        Fields.name(vm, "vm");
        Fields.name(node, "node");
        Fields.range(seq, 1, Long.MAX_VALUE, "seq");
        Fields.required(current, "current");
        Fields.required(requested, "requested");
        if (unit != null && (unit.cpuMillis() == 0 || unit.memBytes() == 0)) {
            throw new InvalidPermitMessageException("unit", "both cpuMillis and memBytes must be above 0, got "
                    + unit.cpuMillis() + " and " + unit.memBytes());
        }
    }

    /** A version-1 request without the optional parts. */
    public static PermitRequest of(String vm, String node, long seq, ResourceAmount current, ResourceAmount requested,
                                   ResourceAmount unit) {
        return new PermitRequest(PermitCodec.VERSION, vm, node, seq, current, requested, unit, null, null);
    }
}
