package io.vmflex.vmm.guest;

import java.time.Instant;

/**
 * Where a {@link GuestChannel} stands with its guest.
 *
 * <pre>
 *   Disconnected --socket connected--> Handshaking --VersionChoice{1}--> Connected
 *   Handshaking/Connected --EOF, I/O error, garbled start--> Disconnected (retry with backoff)
 *   Handshaking/Connected --frame too big, flood, too many errors--> Quarantined (socket closed until `until`)
 *   Handshaking --VersionChoice{not 1}--> Failed (socket closed until `retryAt`)
 *   Quarantined/Failed --time passed--> Disconnected --> ...
 *   any --close()--> Closed
 * </pre>
 */
public sealed interface ChannelState {

    /** No connection; the channel is waiting to (re)connect. */
    record Disconnected(String reason, Instant since) implements ChannelState {
    }

    /** Connected to the socket; VersionRange sent (repeated every second), no answer yet. */
    record Handshaking(Instant since) implements ChannelState {
    }

    /** The session is established; requests may be sent. */
    record Connected(int version, Instant since) implements ChannelState {
    }

    /** The guest misbehaved; its socket is closed and will not be reopened before {@code until}. */
    record Quarantined(String reason, Instant until) implements ChannelState {
    }

    /** The guest speaks no version the host speaks; the channel retries at {@code retryAt}. */
    record Failed(String reason, Instant retryAt) implements ChannelState {
    }

    /** {@link GuestChannel#close()} was called; final. */
    record Closed(Instant since) implements ChannelState {
    }
}
