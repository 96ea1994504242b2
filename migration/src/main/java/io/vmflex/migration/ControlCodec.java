package io.vmflex.migration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.validation.StrictJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one codec of the control protocol, used by both daemons: {@link ControlRequest}s and
 * {@link ControlReply}s as versioned JSON. Decoding is strict: a missing field, an unknown field, a
 * wrong type, an unknown {@code op} or a version this daemon does not speak is a
 * {@link ControlProtocolException} with one line naming the field.
 *
 * <p>Stateless, thread-safe.
 */
public final class ControlCodec {

    /** The protocol version this daemon speaks. */
    public static final int VERSION = 1;

    private ControlCodec() {
    }

    /** A control message that cannot be understood; the text names the field. */
    public static final class ControlProtocolException extends IOException {
        public ControlProtocolException(String message) {
            super(message);
        }
    }

    public static String encode(ControlRequest request) {
        return write(request);
    }

    public static String encode(ControlReply reply) {
        return write(reply);
    }

    public static ControlRequest decodeRequest(String json) throws ControlProtocolException {
        return read(json, ControlRequest.class, "op");
    }

    public static ControlReply decodeReply(String json) throws ControlProtocolException {
        return read(json, ControlReply.class, "reply");
    }

    private static String write(Object message) {
        ObjectNode tree = StrictJson.mapper().valueToTree(message);
        ObjectNode out = StrictJson.mapper().createObjectNode().put("v", VERSION);
        out.setAll(tree);
        try {
            return StrictJson.mapper().writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + message, e);
        }
    }

    private static <T> T read(String json, Class<T> type, String kindField) throws ControlProtocolException {
        JsonNode tree;
        try {
            tree = StrictJson.mapper().readTree(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ControlProtocolException("malformed control message: " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new ControlProtocolException("control message must be a JSON object");
        }
        JsonNode v = tree.get("v");
        if (v == null || !v.isInt()) {
            throw new ControlProtocolException("v: missing or not an integer (control protocol version)");
        }
        if (v.intValue() != VERSION) {
            throw new ControlProtocolException("v: control protocol version " + v.intValue()
                    + " is not spoken here (this daemon speaks " + VERSION + "); upgrade both daemons to the same release");
        }
        ((ObjectNode) tree).remove("v");
        JsonNode kind = tree.get(kindField);
        if (kind == null || !kind.isTextual()) {
            throw new ControlProtocolException(kindField + ": missing or not a string");
        }
        try {
            return StrictJson.fromTree(tree, type);
        } catch (InvalidSpecException e) {
            throw new ControlProtocolException(kind.asText() + ": " + e.getMessage());
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
