package io.vmflex.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * vmmd answered with a 4xx/5xx status. The message reads like kubectl's:
 * {@code Error from server (NotFound): virtualmachine "x" not found}, where the reason is named
 * from the status and the text is the server's {@code error.message}.
 */
public final class ServerErrorException extends AdminClientException {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int status;
    private final String serverMessage;

    private ServerErrorException(int status, String serverMessage) {
        super("Error from server (" + reason(status) + "): " + serverMessage, null);
        this.status = status;
        this.serverMessage = serverMessage;
    }

    /** Builds the exception from an error response, tolerating bodies that are not our JSON shape. */
    public static ServerErrorException of(Response response) {
        return new ServerErrorException(response.status(), messageOf(response));
    }

    public int status() {
        return status;
    }

    /** The server's own message, without the "Error from server" prefix. */
    public String serverMessage() {
        return serverMessage;
    }

    /** The Kubernetes-style reason word for an HTTP status. */
    public static String reason(int status) {
        return switch (status) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 409 -> "Conflict";
            case 413 -> "RequestEntityTooLarge";
            case 415 -> "UnsupportedMediaType";
            case 422 -> "Invalid";
            case 429 -> "TooManyRequests";
            case 500 -> "InternalError";
            case 503 -> "ServiceUnavailable";
            case 504 -> "Timeout";
            default -> "HTTP " + status;
        };
    }

    private static String messageOf(Response response) {
        String text = response.bodyText().strip();
        try {
            JsonNode message = JSON.readTree(text).path("error").path("message");
            if (message.isTextual() && !message.asText().isBlank()) {
                return oneLine(message.asText());
            }
        } catch (Exception notJson) {
            // fall through: an error page from something that is not vmmd's error shape
        }
        return text.isEmpty() ? "the server answered HTTP " + response.status() + " with no body" : oneLine(text);
    }

    // The error must stay one line on a terminal, whatever the server sent.
    private static String oneLine(String text) {
        String flat = text.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
        return flat.length() > 500 ? flat.substring(0, 500) + "..." : flat;
    }
}
