package io.vmflex.vmm.guest;

/**
 * A request could not be carried out by the channel: not connected, too many requests pending,
 * outbox full, or the connection dropped before the answer came. Timeouts are
 * {@link java.util.concurrent.TimeoutException}s instead.
 */
public class GuestChannelException extends RuntimeException {
    public GuestChannelException(String message) {
        super(message);
    }
}
