package io.vmflex.api.validation;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import static io.vmflex.api.json.JsonErrorText.oneLine;
import static io.vmflex.api.json.JsonErrorText.path;

/**
 * Turns Jackson's read exceptions into {@link InvalidSpecException}s with a dotted field path and
 * a one-line, user-facing detail. Must be called while the failing parser is still open (its
 * current token is the offending value). Stateless, thread-safe.
 */
final class JacksonErrors {

    private static final int MAX_QUOTED = 60;

    private JacksonErrors() {
    }

    static InvalidSpecException translate(JacksonException e, ObjectMapper mapper, String format) {
        return switch (e) {
            case UnrecognizedPropertyException u -> new InvalidSpecException(path(u), "unknown field", e);
            case InvalidNullException n -> new InvalidSpecException(path(n), "must not be null", e);
            case InvalidFormatException f -> new InvalidSpecException(path(f), invalidFormat(f, mapper), e);
            case MismatchedInputException m -> mismatched(m, mapper);
            case ValueInstantiationException v -> new InvalidSpecException(path(v),
                    oneLine(v.getCause() != null ? v.getCause().getMessage() : v.getOriginalMessage()), e);
            case JsonMappingException m -> new InvalidSpecException(path(m), oneLine(m.getOriginalMessage()), e);
            case StreamConstraintsException c -> new InvalidSpecException("",
                    "document exceeds a size or nesting limit: " + oneLine(c.getOriginalMessage()), e);
            case StreamReadException r -> new InvalidSpecException(contextPath(r.getProcessor()),
                    "malformed " + format + ": " + oneLine(r.getOriginalMessage()) + location(r), e);
            default -> new InvalidSpecException("", "malformed " + format + ": " + oneLine(e.getOriginalMessage()), e);
        };
    }

    private static InvalidSpecException mismatched(MismatchedInputException m, ObjectMapper mapper) {
        String field = path(m);
        Class<?> target = m.getTargetType();
        JsonParser p = m.getProcessor() instanceof JsonParser parser ? parser : null;
        JsonToken token = p == null ? null : p.currentToken();
        if (token == null) {
            return new InvalidSpecException(field, "empty document", m);
        }
        if (target == null) {
            return new InvalidSpecException(field, oneLine(m.getOriginalMessage()), m);
        }
        return new InvalidSpecException(field, "expected " + expected(target, mapper) + ", got " + got(p, token), m);
    }

    private static String invalidFormat(InvalidFormatException f, ObjectMapper mapper) {
        Class<?> target = f.getTargetType();
        if (target == MilliCpu.class || target == ByteQuantity.class) {
            return oneLine(f.getOriginalMessage());
        }
        Object value = f.getValue();
        String got = value instanceof String s ? quote(s) : String.valueOf(value);
        return "expected " + expected(target, mapper) + ", got " + got;
    }

    static String expected(Class<?> target, ObjectMapper mapper) {
        if (target == MilliCpu.class) {
            return MilliCpu.EXPECTED;
        }
        if (target == ByteQuantity.class) {
            return ByteQuantity.EXPECTED;
        }
        if (target.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object constant : target.getEnumConstants()) {
                names.add(mapper.convertValue(constant, String.class));
            }
            return "one of " + names;
        }
        if (target == Integer.class || target == int.class || target == Long.class || target == long.class
                || target == Short.class || target == short.class || target == BigInteger.class) {
            return "an integer";
        }
        if (target == Double.class || target == double.class || target == Float.class || target == float.class
                || target == BigDecimal.class) {
            return "a number";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "a boolean";
        }
        if (target == String.class) {
            return "a string";
        }
        if (Temporal.class.isAssignableFrom(target)) {
            return "an RFC 3339 timestamp";
        }
        if (Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(target) || target.isRecord()) {
            return "an object";
        }
        return "a " + target.getSimpleName();
    }

    private static String got(JsonParser p, JsonToken token) {
        try {
            return switch (token) {
                case VALUE_STRING -> quote(p.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> p.getText();
                case VALUE_NULL -> "null";
                case START_OBJECT, FIELD_NAME -> "an object";
                case START_ARRAY -> "a list";
                default -> token.asString() == null ? token.name() : token.asString();
            };
        } catch (java.io.IOException e) {
            return token.name();
        }
    }

    /** Dotted path of where a low-level parser stopped (duplicate keys, syntax errors). */
    private static String contextPath(Object processor) {
        if (!(processor instanceof JsonParser p)) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext ctx = p.getParsingContext(); ctx != null && !ctx.inRoot(); ctx = ctx.getParent()) {
            if (ctx.inArray()) {
                parts.addFirst("[" + Math.max(0, ctx.getCurrentIndex()) + "]");
            } else if (ctx.getCurrentName() != null) {
                parts.addFirst("." + ctx.getCurrentName());
            }
        }
        String joined = String.join("", parts);
        return joined.startsWith(".") ? joined.substring(1) : joined;
    }

    private static String location(StreamReadException e) {
        var loc = e.getLocation();
        if (loc == null || loc.getLineNr() < 0) {
            return "";
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    private static String quote(String s) {
        String cut = s.length() > MAX_QUOTED ? s.substring(0, MAX_QUOTED) + "..." : s;
        return '"' + cut.replace("\n", "\\n") + '"';
    }

}
