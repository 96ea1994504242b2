package io.vmflex.migration;

import java.io.IOException;

/**
 * A sealed record could not be sealed or opened: a failed tag, a length out of range, a truncated
 * stream, data after the end record, or an exhausted sequence counter. The connection is unusable.
 */
public final class RecordException extends IOException {

    public RecordException(String message) {
        super(message);
    }

    public RecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
