package io.vmflex.migration;

import java.io.IOException;
import java.util.Optional;

/** The hello exchange did not end in {@link HelloStatus#ACCEPTED}; the connection has been closed. */
public final class HandshakeException extends IOException {

    private final HelloStatus status;

    /** @param status the status sent or received, or null for a timeout, an early EOF or a bad target proof */
    public HandshakeException(String message, HelloStatus status) {
        super(message);
        this.status = status;
    }

    public HandshakeException(String message, Throwable cause) {
        super(message, cause);
        this.status = null;
    }

    /** The refusal status on the wire, if the failure was a refusal. */
    public Optional<HelloStatus> status() {
        return Optional.ofNullable(status);
    }
}
