package io.vmflex.vmm.qmp;

import java.time.Duration;

/**
 * No reply came within the allowed time. For a command this counts from the {@code execute} call,
 * so time spent queued behind other commands is included; a reply that arrives later is dropped.
 */
public final class QmpTimeoutException extends QmpException {

    private final String command;
    private final Duration timeout;

    public QmpTimeoutException(String command, Duration timeout) {
        super(command + " got no reply within " + timeout.toMillis() + " ms");
        this.command = command;
        this.timeout = timeout;
    }

    /** The command, or a phase such as {@code "connect"} for connection set-up. */
    public String command() {
        return command;
    }

    public Duration timeout() {
        return timeout;
    }
}
