package io.vmflex.client;

/** vmmd answered with something that is not a well-formed HTTP/1.1 response, or not in time. */
public final class BadResponseException extends AdminClientException {

    BadResponseException(String message) {
        super(message, null);
    }

    BadResponseException(String message, Throwable cause) {
        super(message, cause);
    }
}
