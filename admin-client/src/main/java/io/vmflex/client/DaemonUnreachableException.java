package io.vmflex.client;

import java.nio.file.Path;

/** The daemon's socket could not be connected to (missing, refused, not permitted). */
public final class DaemonUnreachableException extends AdminClientException {

    DaemonUnreachableException(Path socket, Exception cause) {
        super(describe(socket, cause), cause);
    }

    private static String describe(Path socket, Exception cause) {
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        String hint = reason.contains("Permission denied")
                ? "(run as root or as a member of the vmmd admin group)"
                : "(is the daemon running? see 'vmflex daemon')";
        return "cannot connect to vmmd at " + socket + ": " + reason + " " + hint;
    }
}
