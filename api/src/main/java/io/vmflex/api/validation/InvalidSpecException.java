package io.vmflex.api.validation;

import java.io.Serial;

/**
 * A VM document that cannot be accepted: malformed, of the wrong shape, or breaking a validation
 * rule. {@link #field()} is the dotted path of the offending field ({@code spec.guest.cpus.use},
 * {@code spec.guest.env[1].name}), empty when the problem is the document as a whole. The message
 * is one line: {@code "<field>: <detail>"}, suitable for an API error response.
 */
public final class InvalidSpecException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String detail;

    public InvalidSpecException(String field, String detail) {
        this(field, detail, null);
    }

    public InvalidSpecException(String field, String detail, Throwable cause) {
        this(field.isEmpty() ? detail : field + ": " + detail, field, detail, cause);
    }

    /** {@code not supported by vmflex: spec.disks (why)}: a field vmflex does not do, refused rather than ignored. */
    public static InvalidSpecException unsupported(String field, String why) {
        return new InvalidSpecException("not supported by vmflex: " + field + " (" + why + ")", field,
                "not supported by vmflex (" + why + ")", null);
    }

    private InvalidSpecException(String message, String field, String detail, Throwable cause) {
        super(message, cause);
        this.field = field;
        this.detail = detail;
    }

    /** Dotted path of the offending field; empty for the whole document. */
    public String field() {
        return field;
    }

    /** The problem without the field prefix. */
    public String detail() {
        return detail;
    }

    /** The same problem, its message prefixed with which document of a multi-document file. */
    InvalidSpecException inDocument(int number) {
        return new InvalidSpecException("document " + number + ": " + getMessage(), field, detail, getCause());
    }
}
