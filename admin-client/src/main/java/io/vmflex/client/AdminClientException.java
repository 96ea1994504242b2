package io.vmflex.client;

/**
 * A failure talking to vmmd whose message is already the one line a user should read.
 * Subclasses say whether the daemon could not be reached, answered with an error, or answered
 * something that is not HTTP we understand.
 */
public abstract sealed class AdminClientException extends RuntimeException
        permits DaemonUnreachableException, ServerErrorException, BadResponseException {

    AdminClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
