package io.vmflex.vmm.guest;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits and timings of a {@link GuestChannel}. {@link #defaults()} is what the daemon uses; tests
 * shrink the durations.
 *
 * @param handshakeInterval     how often VersionRange is repeated until answered
 * @param reconnectInitial      first delay before reconnecting after a drop or failed connect (doubles)
 * @param reconnectMax          largest reconnect delay
 * @param quarantineInitial     first quarantine (doubles for each further one)
 * @param quarantineMax         longest quarantine
 * @param quarantineForgiveAfter a session that stayed Connected this long resets the quarantine doubling
 * @param maxFramesPerSecond    sustained frame rate above which the guest is flooding
 * @param frameBurst            frames allowed in a burst above that rate
 * @param maxBytesPerSecond     sustained byte rate above which the guest is flooding
 * @param byteBurst             bytes allowed in a burst (at least one read buffer)
 * @param maxMetricsPerSecond   Metrics beyond this rate are dropped (not an offence)
 * @param maxUpscaleRequestsPerSecond UpscaleRequests beyond this rate are dropped (not an offence)
 * @param maxInvalidRepliesPerSecond InvalidMessage replies beyond this rate are not sent
 * @param maxProtocolErrors     more protocol errors than this within {@code protocolErrorWindow} quarantine
 * @param protocolErrorWindow   the window for {@code maxProtocolErrors}
 * @param maxPending            host requests awaiting an answer at once
 * @param outboxCapacity        frames queued for the writer at once
 * @param garbledStartLimit     consecutive connections that start with a framing error before
 *                              the handshake (a frame cut by the previous disconnect) tolerated
 *                              before quarantine
 * @param frameStallTimeout     a frame begun but not finished for this long (a guest that stopped
 *                              mid-frame, or a slow drip) drops the connection, which resyncs the stream
 */
public record GuestChannelConfig(Duration handshakeInterval, Duration reconnectInitial, Duration reconnectMax,
                                 Duration quarantineInitial, Duration quarantineMax, Duration quarantineForgiveAfter,
                                 double maxFramesPerSecond, double frameBurst,
                                 double maxBytesPerSecond, double byteBurst,
                                 double maxMetricsPerSecond, double maxUpscaleRequestsPerSecond,
                                 double maxInvalidRepliesPerSecond,
                                 int maxProtocolErrors, Duration protocolErrorWindow,
                                 int maxPending, int outboxCapacity, int garbledStartLimit,
                                 Duration frameStallTimeout) {

    /** Read buffer of the channel; the byte burst must cover one full read. */
    static final int READ_BUFFER = 8192;

    public GuestChannelConfig {
        Objects.requireNonNull(handshakeInterval, "handshakeInterval");
        Objects.requireNonNull(reconnectInitial, "reconnectInitial");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        Objects.requireNonNull(quarantineInitial, "quarantineInitial");
        Objects.requireNonNull(quarantineMax, "quarantineMax");
        Objects.requireNonNull(quarantineForgiveAfter, "quarantineForgiveAfter");
        Objects.requireNonNull(protocolErrorWindow, "protocolErrorWindow");
        Objects.requireNonNull(frameStallTimeout, "frameStallTimeout");
        if (handshakeInterval.isNegative() || handshakeInterval.isZero()) {
            throw new IllegalArgumentException("handshakeInterval must be positive");
        }
        if (byteBurst < READ_BUFFER) {
            throw new IllegalArgumentException("byteBurst must be at least " + READ_BUFFER);
        }
        if (maxProtocolErrors < 1 || maxPending < 1 || outboxCapacity < 1 || garbledStartLimit < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
    }

    /**
     * Handshake every 1 s; reconnect 100 ms doubling to 5 s; quarantine 10 s doubling to 5 min,
     * forgiven after 5 min connected; flood above 50 frames/s (burst 100) or 1 MiB/s (burst
     * 1 MiB); 5 Metrics/s, 2 UpscaleRequests/s, 3 InvalidMessage replies/s; more than 10 protocol
     * errors in 10 s quarantine; 16 pending requests; 32 queued frames; 3 garbled starts; a frame
     * unfinished after 5 s drops the connection.
     */
    public static GuestChannelConfig defaults() {
        return new GuestChannelConfig(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(5),
                50, 100, 1 << 20, 1 << 20,
                5, 2, 3,
                10, Duration.ofSeconds(10),
                16, 32, 3, Duration.ofSeconds(5));
    }

    public GuestChannelConfig withHandshakeInterval(Duration d) {
        return new GuestChannelConfig(d, reconnectInitial, reconnectMax, quarantineInitial, quarantineMax,
                quarantineForgiveAfter, maxFramesPerSecond, frameBurst, maxBytesPerSecond, byteBurst,
                maxMetricsPerSecond, maxUpscaleRequestsPerSecond, maxInvalidRepliesPerSecond, maxProtocolErrors,
                protocolErrorWindow, maxPending, outboxCapacity, garbledStartLimit, frameStallTimeout);
    }

    public GuestChannelConfig withReconnect(Duration initial, Duration max) {
        return new GuestChannelConfig(handshakeInterval, initial, max, quarantineInitial, quarantineMax,
                quarantineForgiveAfter, maxFramesPerSecond, frameBurst, maxBytesPerSecond, byteBurst,
                maxMetricsPerSecond, maxUpscaleRequestsPerSecond, maxInvalidRepliesPerSecond, maxProtocolErrors,
                protocolErrorWindow, maxPending, outboxCapacity, garbledStartLimit, frameStallTimeout);
    }

    public GuestChannelConfig withFrameStallTimeout(Duration d) {
        return new GuestChannelConfig(handshakeInterval, reconnectInitial, reconnectMax, quarantineInitial, quarantineMax,
                quarantineForgiveAfter, maxFramesPerSecond, frameBurst, maxBytesPerSecond, byteBurst,
                maxMetricsPerSecond, maxUpscaleRequestsPerSecond, maxInvalidRepliesPerSecond, maxProtocolErrors,
                protocolErrorWindow, maxPending, outboxCapacity, garbledStartLimit, d);
    }

    public GuestChannelConfig withQuarantine(Duration initial, Duration max) {
        return new GuestChannelConfig(handshakeInterval, reconnectInitial, reconnectMax, initial, max,
                quarantineForgiveAfter, maxFramesPerSecond, frameBurst, maxBytesPerSecond, byteBurst,
                maxMetricsPerSecond, maxUpscaleRequestsPerSecond, maxInvalidRepliesPerSecond, maxProtocolErrors,
                protocolErrorWindow, maxPending, outboxCapacity, garbledStartLimit, frameStallTimeout);
    }
}
