package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * vmflex: the guest's own view of itself, from the guest monitor's last Metrics report, and the
 * state of the channel it came over. Shown by {@code vmctl get vms -o wide}. Immutable.
 *
 * @param channel          Disconnected, Handshaking, Connected or Quarantined
 * @param cpusOnline       CPUs online in the guest
 * @param memoryTotal      MemTotal
 * @param memoryUsed       MemTotal − MemAvailable
 * @param lastReport       when the last Metrics arrived
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GuestStatus(String channel, Integer cpusOnline, ByteQuantity memoryTotal, ByteQuantity memoryUsed,
                          Double loadAvg1, Double psiMemorySome10, Double psiCpuSome10, Instant lastReport) {
}
