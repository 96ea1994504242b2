package io.vmflex.api.guest;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A message of the guest channel after the version handshake. On the wire it is a JSON object
 * with {@code "type"} naming the record and {@code "id"} (host-made ids even, guest-made odd).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = GuestMessage.UpscaleRequest.class, name = "UpscaleRequest"),
        @JsonSubTypes.Type(value = GuestMessage.DownscaleRequest.class, name = "DownscaleRequest"),
        @JsonSubTypes.Type(value = GuestMessage.DownscaleResult.class, name = "DownscaleResult"),
        @JsonSubTypes.Type(value = GuestMessage.UpscaleNotification.class, name = "UpscaleNotification"),
        @JsonSubTypes.Type(value = GuestMessage.UpscaleConfirmation.class, name = "UpscaleConfirmation"),
        @JsonSubTypes.Type(value = GuestMessage.HealthCheck.class, name = "HealthCheck"),
        @JsonSubTypes.Type(value = GuestMessage.Metrics.class, name = "Metrics"),
        @JsonSubTypes.Type(value = GuestMessage.InvalidMessage.class, name = "InvalidMessage"),
        @JsonSubTypes.Type(value = GuestMessage.InternalError.class, name = "InternalError"),
        @JsonSubTypes.Type(value = GuestMessage.SetCpusOnline.class, name = "SetCpusOnline"),
        @JsonSubTypes.Type(value = GuestMessage.CpusOnline.class, name = "CpusOnline"),
})
public sealed interface GuestMessage {
    long id();

    /** Guest → host: memory pressure; please grow me. */
    record UpscaleRequest(long id) implements GuestMessage {
        /**
         * The reason of the node event vmmd publishes for one of these. Distinct from every agent
         * decision's reason: the agent follows the node's events and must not take its own
         * "asking the scheduler" for the guest's request.
         */
        public static final String EVENT_REASON = "GuestMemoryPressure";
    }

    /** Host → guest: may I shrink you to {@code target}? */
    record DownscaleRequest(long id, Resources target) implements GuestMessage {
    }

    /** Guest → host: the answer to a DownscaleRequest; {@code status} says why in words. */
    record DownscaleResult(long id, boolean ok, String status) implements GuestMessage {
    }

    /** Host → guest: you now have {@code granted}. */
    record UpscaleNotification(long id, Resources granted) implements GuestMessage {
    }

    /** Guest → host: acknowledges an UpscaleNotification (same id). */
    record UpscaleConfirmation(long id) implements GuestMessage {
    }

    /** Host → guest, echoed back with the same id. */
    record HealthCheck(long id) implements GuestMessage {
    }

    /**
     * Guest → host, every second: what the guest sees of itself.
     *
     * @param loadAvg1           1-minute load average
     * @param memTotalBytes      MemTotal
     * @param memAvailableBytes  MemAvailable
     * @param cachedBytes        Cached
     * @param workloadAnonBytes  anonymous memory of the workload cgroup (memory.stat anon)
     * @param psiMemorySome10    /proc/pressure/memory "some avg10"
     * @param psiMemoryFull10    /proc/pressure/memory "full avg10"
     * @param psiCpuSome10       /proc/pressure/cpu "some avg10"
     * @param cpuBusy            share of the online vCPUs' time not idle since the previous report
     *                           (/proc/stat), 0..1; {@link #CPU_BUSY_UNKNOWN} for the first report and
     *                           from monitors that predate it (they do not send the field)
     */
    record Metrics(long id, int cpusOnline, double loadAvg1, double loadAvg5, double loadAvg15,
                   long memTotalBytes, long memAvailableBytes, long cachedBytes, long workloadAnonBytes,
                   double psiMemorySome10, double psiMemoryFull10, double psiCpuSome10, double cpuBusy)
            implements GuestMessage {
        /** {@link #cpuBusy()} when the guest does not know or does not say. */
        public static final double CPU_BUSY_UNKNOWN = -1;

        public boolean hasCpuBusy() {
            return cpuBusy != CPU_BUSY_UNKNOWN;
        }
    }

    /** Either side: the message with this id (0 if unknown) could not be understood. */
    record InvalidMessage(long id, String error) implements GuestMessage {
    }

    /** Either side: the request with this id failed on the sender's side. */
    record InternalError(long id, String error) implements GuestMessage {
    }

    /**
     * Host → guest, for {@code cpuScalingMode: SysfsScaling} (every vCPU plugged at boot): keep exactly
     * {@code cpus} vCPUs online through {@code /sys/devices/system/cpu/cpuN/online}, cpu0 and then the
     * lowest-numbered, the rest offline. Answered by {@link CpusOnline}.
     */
    record SetCpusOnline(long id, int cpus) implements GuestMessage {
    }

    /** Guest → host: the answer to a SetCpusOnline (same id): how many vCPUs are online now. */
    record CpusOnline(long id, int cpus) implements GuestMessage {
    }
}
