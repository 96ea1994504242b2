package io.vmflex.api.permit;

import java.io.Serial;

/**
 * A permit-protocol message that cannot be accepted: too large, malformed, of an unsupported
 * version, or with a field out of range. {@link #field()} is the dotted path of the offending field
 * ({@code requested.cpuMillis}, {@code vms[3].lastSeq}), empty when the problem is the body as a
 * whole. The message is one line, {@code "<field>: <detail>"}, safe to log and to send back in a
 * 400 answer.
 */
public final class InvalidPermitMessageException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String detail;

    public InvalidPermitMessageException(String field, String detail) {
        this(field, detail, null);
    }

    public InvalidPermitMessageException(String field, String detail, Throwable cause) {
        super(field.isEmpty() ? detail : field + ": " + detail, cause);
        this.field = field;
        this.detail = detail;
    }

    /** Dotted path of the offending field; empty for the body as a whole. */
    public String field() {
        return field;
    }

    /** The problem without the field prefix. */
    public String detail() {
        return detail;
    }
}
