package io.vmflex.api.guest;

/**
 * An amount of CPU and memory, as a downscale target or an upscale grant.
 *
 * @param cpuMillis vCPUs in thousandths
 * @param memBytes  memory in bytes
 */
public record Resources(long cpuMillis, long memBytes) {
}
