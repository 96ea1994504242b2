package io.vmflex.api.guest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Encodes and strictly decodes guest-channel payloads: {@link VersionRange},
 * {@link VersionChoice} and {@link GuestMessage}. Pure and thread-safe; framing of a byte stream
 * is {@link GuestFrameDecoder}'s job.
 */
public final class GuestFrames {
    /** Largest payload either side accepts. */
    public static final int MAX_PAYLOAD = 64 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Otherwise 1.5 silently becomes the id 1.
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private GuestFrames() {
    }

    /** A payload that is not a valid message; the text is safe to log and to send back. */
    public static final class MalformedPayloadException extends Exception {
        public MalformedPayloadException(String message) {
            super(message);
        }
    }

    /** The length prefix plus the JSON of {@code message}. */
    public static byte[] encode(Object message) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + message, e);
        }
        if (json.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("message of " + json.length + " bytes exceeds the " + MAX_PAYLOAD + " byte cap");
        }
        return ByteBuffer.allocate(4 + json.length).putInt(json.length).put(json).array();
    }

    public static GuestMessage decodeMessage(byte[] payload) throws MalformedPayloadException {
        try {
            return decode(payload, GuestMessage.class);
        } catch (MalformedPayloadException e) {
            byte[] older = withUnknownCpuBusy(payload);
            if (older == null) {
                throw e;
            }
            return decode(older, GuestMessage.class);
        }
    }

    /**
     * A Metrics payload from a monitor that predates {@code cpuBusy} (a VM booted from an older image
     * keeps running across a daemon upgrade) with the field added as unknown; null for anything else.
     */
    private static byte[] withUnknownCpuBusy(byte[] payload) {
        try {
            JsonNode n = JSON.readTree(payload);
            if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o && "Metrics".equals(o.path("type").asText(null))
                    && !o.has("cpuBusy")) {
                o.put("cpuBusy", GuestMessage.Metrics.CPU_BUSY_UNKNOWN);
                return JSON.writeValueAsBytes(o);
            }
        } catch (IOException e) {
            // Not JSON: the first decode's error stands.
        }
        return null;
    }

    public static VersionRange decodeVersionRange(byte[] payload) throws MalformedPayloadException {
        return decode(payload, VersionRange.class);
    }

    public static VersionChoice decodeVersionChoice(byte[] payload) throws MalformedPayloadException {
        return decode(payload, VersionChoice.class);
    }

    /** Whether the payload is a version range (a new session), told apart by its fields. */
    public static boolean isVersionRange(byte[] payload) {
        try {
            JsonNode n = JSON.readTree(payload);
            return n != null && n.isObject() && n.has("min") && n.has("max") && !n.has("type");
        } catch (IOException e) {
            return false;
        }
    }

    private static <T> T decode(byte[] payload, Class<T> type) throws MalformedPayloadException {
        if (payload.length == 0 || payload.length > MAX_PAYLOAD) {
            throw new MalformedPayloadException("payload of " + payload.length + " bytes (allowed 1.." + MAX_PAYLOAD + ")");
        }
        try {
            T v = JSON.readValue(payload, type);
            if (v == null) {
                throw new MalformedPayloadException("payload is JSON null, expected an object");
            }
            return v;
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            int nl = m.indexOf('\n');
            throw new MalformedPayloadException("malformed " + type.getSimpleName() + ": "
                    + (nl > 0 ? m.substring(0, nl) : m));
        }
    }
}
