package io.vmflex.monitor;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict reader for the only JSON shapes the guest channel uses: one object whose values are
 * strings, integers, numbers with a fraction or exponent, booleans, null, or one level of nested
 * object ({@code Resources}). Arrays, deeper nesting, duplicate keys, trailing content, invalid
 * UTF-8 and anything RFC 8259 forbids (leading zeros, single quotes, comments, {@code NaN}) are
 * rejected. Integers are {@link Long} (out of range is an error), other numbers {@link Double},
 * {@code null} is {@link #NULL}.
 *
 * <p>Written for the guest so that the monitor does not load Jackson databind (about 5 MiB of
 * metaspace and heap in a 40 MiB budget). Not threadsafe: one instance reads one payload.
 */
final class JsonReader {
    /** The JSON literal {@code null} (maps cannot hold Java null values usefully). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** The payload is not JSON of the accepted shape; the message is one line, safe to send back. */
    static final class JsonException extends Exception {
        JsonException(String message) {
            super(message);
        }
    }

    /** The top-level object plus the one nested level {@code Resources} needs. */
    private static final int MAX_DEPTH = 2;

    private final String text;
    private int pos;

    private JsonReader(String text) {
        this.text = text;
    }

    /** Parses {@code payload} as exactly one JSON object (whitespace around it allowed). */
    static Map<String, Object> readObject(byte[] payload) throws JsonException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            throw new JsonException("payload is not valid UTF-8");
        }
        JsonReader r = new JsonReader(text);
        r.skipWhitespace();
        if (r.peek() != '{') {
            throw r.error("expected a JSON object");
        }
        Map<String, Object> object = r.readObject(1);
        r.skipWhitespace();
        if (r.pos != text.length()) {
            throw r.error("trailing content after the object");
        }
        return object;
    }

    private Map<String, Object> readObject(int depth) throws JsonException {
        if (depth > MAX_DEPTH) {
            throw error("objects nested deeper than " + MAX_DEPTH);
        }
        expect('{');
        Map<String, Object> out = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return out;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a field name");
            }
            String key = readString();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = readValue(depth);
            if (out.putIfAbsent(key, value) != null) {
                throw error("duplicate field \"" + key + "\"");
            }
            skipWhitespace();
            int c = next();
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private Object readValue(int depth) throws JsonException {
        int c = peek();
        return switch (c) {
            case '{' -> readObject(depth + 1);
            case '"' -> readString();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            case '[' -> throw error("arrays are not part of the guest protocol");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield readNumber();
                }
                throw error("expected a value");
            }
        };
    }

    private Object literal(String word, Object value) throws JsonException {
        if (!text.startsWith(word, pos)) {
            throw error("expected a value");
        }
        pos += word.length();
        return value;
    }

    /** RFC 8259 number grammar; integers become Long (overflow rejected), others Double. */
    private Object readNumber() throws JsonException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        int intStart = pos;
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw error("bad number");
        }
        if (pos - intStart > 1 && text.charAt(intStart) == '0') {
            throw error("leading zero in number");
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("bad number");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("bad number");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        String literal = text.substring(start, pos);
        if (integer) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                throw error("integer out of range");
            }
        }
        double d = Double.parseDouble(literal);
        if (Double.isInfinite(d)) {
            throw error("number out of range");
        }
        return d;
    }

    private String readString() throws JsonException {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = next();
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0) {
                throw error("unterminated string");
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in string");
            }
            if (c != '\\') {
                sb.append((char) c);
                continue;
            }
            int e = next();
            switch (e) {
                case '"', '\\', '/' -> sb.append((char) e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(readHex4());
                default -> {
                    pos--;
                    throw error("bad escape in string");
                }
            }
        }
    }

    private char readHex4() throws JsonException {
        if (pos + 4 > text.length()) {
            throw error("bad \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) {
                throw error("bad \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private void expect(char c) throws JsonException {
        if (next() != c) {
            pos--;
            throw error("expected '" + c + "'");
        }
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private int next() {
        // Past the end pos still moves, so a caller's pos-- after a mismatch stays consistent.
        int c = pos < text.length() ? text.charAt(pos) : -1;
        pos++;
        return c;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private JsonException error(String what) {
        return new JsonException(what + " at character " + Math.min(pos, text.length()));
    }
}
