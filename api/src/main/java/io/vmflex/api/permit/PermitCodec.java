package io.vmflex.api.permit;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.vmflex.api.json.ApiMapper;

import java.io.IOException;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.vmflex.api.json.JsonErrorText.oneLine;
import static io.vmflex.api.json.JsonErrorText.path;

/**
 * Encodes and strictly decodes the permit protocol's bodies ({@link PermitRequest},
 * {@link PermitResponse}, {@link NodeReport}). Decoding checks, in this order: the size cap, that
 * the body is one JSON object, its {@code version} (so a newer peer is told about the version, not
 * about a field it added), then the shape with the project's strict mapper (unknown fields,
 * duplicate keys, missing required fields, wrong types, out-of-range numbers all fail). Every
 * failure is one {@link InvalidPermitMessageException} naming the field.
 *
 * <p>Stateless and thread-safe.
 */
public final class PermitCodec {

    /** The one protocol version this code speaks. */
    public static final int VERSION = 1;
    /** Largest permit request or response body. */
    public static final int MAX_PERMIT_BODY = 64 * 1024;
    /** Largest node report body (a report lists every VM of a node). */
    public static final int MAX_REPORT_BODY = 1024 * 1024;

    private static final ObjectMapper JSON = ApiMapper.json();
    private static final Pattern MISSING = Pattern.compile("Missing required creator property '([^']+)'");

    private PermitCodec() {
    }

    public static PermitRequest decodeRequest(byte[] body) {
        return decode(body, MAX_PERMIT_BODY, PermitRequest.class);
    }

    public static PermitResponse decodeResponse(byte[] body) {
        return decode(body, MAX_PERMIT_BODY, PermitResponse.class);
    }

    public static NodeReport decodeReport(byte[] body) {
        return decode(body, MAX_REPORT_BODY, NodeReport.class);
    }

    /** The JSON of a permit message; the caller's records were validated when built. */
    public static byte[] encode(Object message) {
        try {
            return JSON.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    static void checkVersion(int version) {
        if (version != VERSION) {
            throw new InvalidPermitMessageException("version", "unsupported permit protocol version " + version
                    + " (this side speaks " + VERSION + ")");
        }
    }

    private static <T> T decode(byte[] body, int cap, Class<T> type) {
        if (body.length > cap) {
            throw new InvalidPermitMessageException("", "body of " + body.length + " bytes exceeds the " + cap
                    + " byte cap");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            throw translate(e, type);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new InvalidPermitMessageException("", "empty body, expected a JSON object");
        }
        if (!tree.isObject()) {
            throw new InvalidPermitMessageException("", "expected a JSON object, got " + tree.getNodeType().name().toLowerCase());
        }
        JsonNode version = tree.get("version");
        if (version == null) {
            throw new InvalidPermitMessageException("version", "required");
        }
        if (!version.isIntegralNumber() || !version.canConvertToInt()) {
            throw new InvalidPermitMessageException("version", "expected an integer, got " + version);
        }
        checkVersion(version.intValue());
        try {
            return JSON.treeToValue(tree, type);
        } catch (IOException e) {
            throw translate(e, type);
        }
    }

    private static InvalidPermitMessageException translate(IOException e, Class<?> type) {
        return switch (e) {
            case UnrecognizedPropertyException u -> new InvalidPermitMessageException(path(u), "unknown field", e);
            case InvalidNullException n -> new InvalidPermitMessageException(path(n), "must not be null", e);
            case ValueInstantiationException v when v.getCause() instanceof InvalidPermitMessageException p ->
                    Fields.nested(path(v), p);
            case ValueInstantiationException v -> new InvalidPermitMessageException(path(v),
                    oneLine(v.getCause() != null ? v.getCause().getMessage() : v.getOriginalMessage()), e);
            case InvalidFormatException f -> new InvalidPermitMessageException(path(f),
                    "expected " + expected(f.getTargetType()) + ", got " + f.getValue(), e);
            case MismatchedInputException m -> mismatched(m);
            case JsonMappingException m -> new InvalidPermitMessageException(path(m), oneLine(m.getOriginalMessage()), e);
            case StreamConstraintsException c -> new InvalidPermitMessageException("",
                    "body exceeds a nesting or length limit: " + oneLine(c.getOriginalMessage()), e);
            case StreamReadException r -> new InvalidPermitMessageException("",
                    "malformed JSON for " + type.getSimpleName() + ": " + oneLine(r.getOriginalMessage()), e);
            case JacksonException j -> new InvalidPermitMessageException("", oneLine(j.getOriginalMessage()), e);
            default -> new InvalidPermitMessageException("", oneLine(e.getMessage()), e);
        };
    }

    private static InvalidPermitMessageException mismatched(MismatchedInputException m) {
        String path = path(m);
        Matcher missing = MISSING.matcher(String.valueOf(m.getOriginalMessage()));
        if (missing.find()) {
            String name = missing.group(1);
            // Jackson's path usually ends at the missing property already; add it where it does not.
            String field = path.equals(name) || path.endsWith("." + name) ? path
                    : path.isEmpty() ? name : path + "." + name;
            return new InvalidPermitMessageException(field, "required", m);
        }
        Class<?> target = m.getTargetType();
        JsonParser p = m.getProcessor() instanceof JsonParser parser ? parser : null;
        JsonToken token = p == null ? null : p.currentToken();
        if (target == null || token == null) {
            return new InvalidPermitMessageException(path, oneLine(m.getOriginalMessage()), m);
        }
        return new InvalidPermitMessageException(path, "expected " + expected(target) + ", got " + got(p, token), m);
    }

    private static String expected(Class<?> target) {
        if (target == int.class || target == Integer.class || target == long.class || target == Long.class) {
            return "an integer";
        }
        if (target == double.class || target == Double.class) {
            return "a number";
        }
        if (target == boolean.class || target == Boolean.class) {
            return "a boolean";
        }
        if (target == String.class) {
            return "a string";
        }
        if (target == Instant.class) {
            return "an RFC 3339 timestamp";
        }
        if (target == PermitOutcome.class) {
            return "one of granted, partial, denied, released, stale";
        }
        if (java.util.Collection.class.isAssignableFrom(target)) {
            return "a list";
        }
        return "an object";
    }

    private static String got(JsonParser p, JsonToken token) {
        try {
            return switch (token) {
                case VALUE_STRING -> Fields.quote(p.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> oneLine(p.getText());
                case VALUE_NULL -> "null";
                case START_OBJECT, FIELD_NAME -> "an object";
                case START_ARRAY -> "a list";
                default -> token.name();
            };
        } catch (IOException e) {
            return token.name();
        }
    }

}
