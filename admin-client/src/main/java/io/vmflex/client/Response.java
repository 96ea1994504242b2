package io.vmflex.client;

import java.nio.charset.StandardCharsets;

/**
 * One complete HTTP response from vmmd. Immutable by convention: the body array is not copied, so
 * callers must not modify it.
 *
 * @param status      the HTTP status code
 * @param contentType the {@code Content-Type} header, or {@code null} when absent
 * @param body        the decoded body (chunked framing already removed); empty when there is none
 */
public record Response(int status, String contentType, byte[] body) {

    public Response {
        body = body == null ? new byte[0] : body;
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Returns this response if it is a 2xx, else throws the server's error as one line. */
    public Response requireSuccess() {
        if (isSuccess()) {
            return this;
        }
        throw ServerErrorException.of(this);
    }
}
