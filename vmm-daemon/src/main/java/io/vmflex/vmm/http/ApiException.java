package io.vmflex.vmm.http;

/**
 * A request the daemon refuses, with the HTTP status to answer and a one-line message for the
 * {@code {"error":{"code":..,"message":..}}} body.
 */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, what + " not found");
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException invalid(String message) {
        return new ApiException(422, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }
}
