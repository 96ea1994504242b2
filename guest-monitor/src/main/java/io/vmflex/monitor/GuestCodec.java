package io.vmflex.monitor;

import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.guest.VersionChoice;
import io.vmflex.api.guest.VersionRange;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The guest's own codec for the channel's payloads (see {@code io.vmflex.api.guest}'s package
 * doc): {@link VersionRange}, {@link VersionChoice} and the eleven {@link GuestMessage} records,
 * nothing else. It writes the same bytes as the daemon's Jackson codec ({@link GuestFrames}) and
 * is at least as strict when reading: unknown type or field, missing or duplicate field, a string
 * or fraction for an integer, a number or string for a boolean, null for anything but a string,
 * a number for a string, trailing content, invalid UTF-8 are all {@link MalformedPayloadException}s. {@code
 * GuestCodecParityTest} keeps the two from drifting.
 *
 * <p>Exists so that the guest image needs no Jackson: databind's classes alone cost the monitor
 * several MiB of metaspace and heap and seconds of interpreted start-up. Pure and thread-safe.
 */
public final class GuestCodec {
    /** Largest payload either side accepts (the same constant as the daemon's). */
    public static final int MAX_PAYLOAD = GuestFrames.MAX_PAYLOAD;

    private GuestCodec() {
    }

    /** A payload that is not a valid message; the text is one line, safe to log and to send back. */
    public static final class MalformedPayloadException extends Exception {
        public MalformedPayloadException(String message) {
            super(message);
        }
    }

    /** The length prefix plus the JSON of {@code message} (a GuestMessage, VersionRange or VersionChoice). */
    public static byte[] encode(Object message) {
        String json;
        if (message instanceof VersionRange r) {
            json = new Writer().field("min", r.min()).field("max", r.max()).end();
        } else if (message instanceof VersionChoice c) {
            json = new Writer().field("version", c.version()).end();
        } else if (message instanceof GuestMessage m) {
            json = encodeMessage(m).end();
        } else {
            throw new IllegalArgumentException("not a guest-channel message: " + message);
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("message of " + bytes.length + " bytes exceeds the " + MAX_PAYLOAD + " byte cap");
        }
        byte[] frame = new byte[4 + bytes.length];
        frame[0] = (byte) (bytes.length >>> 24);
        frame[1] = (byte) (bytes.length >>> 16);
        frame[2] = (byte) (bytes.length >>> 8);
        frame[3] = (byte) bytes.length;
        System.arraycopy(bytes, 0, frame, 4, bytes.length);
        return frame;
    }

    /**
     * Type first, then the record's components in declaration order: the daemon codec's order.
     * An instanceof ladder, not a pattern switch: the switch's indy bootstrap generates a class
     * with the ClassFile API at first use (hundreds of JDK classes in the guest's small JVM).
     * GuestCodecParityTest fails if a message type is missing here.
     */
    private static Writer encodeMessage(GuestMessage message) {
        if (message instanceof GuestMessage.Metrics m) {
            return head("Metrics", m).field("cpusOnline", m.cpusOnline())
                    .field("loadAvg1", m.loadAvg1()).field("loadAvg5", m.loadAvg5()).field("loadAvg15", m.loadAvg15())
                    .field("memTotalBytes", m.memTotalBytes()).field("memAvailableBytes", m.memAvailableBytes())
                    .field("cachedBytes", m.cachedBytes()).field("workloadAnonBytes", m.workloadAnonBytes())
                    .field("psiMemorySome10", m.psiMemorySome10()).field("psiMemoryFull10", m.psiMemoryFull10())
                    .field("psiCpuSome10", m.psiCpuSome10()).field("cpuBusy", m.cpuBusy());
        }
        if (message instanceof GuestMessage.UpscaleRequest m) {
            return head("UpscaleRequest", m);
        }
        if (message instanceof GuestMessage.UpscaleConfirmation m) {
            return head("UpscaleConfirmation", m);
        }
        if (message instanceof GuestMessage.HealthCheck m) {
            return head("HealthCheck", m);
        }
        if (message instanceof GuestMessage.DownscaleRequest m) {
            return head("DownscaleRequest", m).field("target", m.target());
        }
        if (message instanceof GuestMessage.UpscaleNotification m) {
            return head("UpscaleNotification", m).field("granted", m.granted());
        }
        if (message instanceof GuestMessage.DownscaleResult m) {
            return head("DownscaleResult", m).field("ok", m.ok()).field("status", m.status());
        }
        if (message instanceof GuestMessage.InvalidMessage m) {
            return head("InvalidMessage", m).field("error", m.error());
        }
        if (message instanceof GuestMessage.InternalError m) {
            return head("InternalError", m).field("error", m.error());
        }
        if (message instanceof GuestMessage.SetCpusOnline m) {
            return head("SetCpusOnline", m).field("cpus", m.cpus());
        }
        if (message instanceof GuestMessage.CpusOnline m) {
            return head("CpusOnline", m).field("cpus", m.cpus());
        }
        throw new IllegalArgumentException("no encoding for " + message.getClass().getName());
    }

    private static Writer head(String type, GuestMessage m) {
        return new Writer().field("type", type).field("id", m.id());
    }

    public static GuestMessage decodeMessage(byte[] payload) throws MalformedPayloadException {
        Fields f = read(payload, "GuestMessage");
        Object type = f.map.remove("type");
        if (type == null) {
            throw new MalformedPayloadException("malformed GuestMessage: missing field \"type\"");
        }
        if (!(type instanceof String name)) {
            throw new MalformedPayloadException("malformed GuestMessage: \"type\" is not a string");
        }
        f.what = name;
        GuestMessage m = switch (name) {
            case "UpscaleRequest" -> new GuestMessage.UpscaleRequest(f.longField("id"));
            case "DownscaleRequest" -> new GuestMessage.DownscaleRequest(f.longField("id"), f.resources("target"));
            case "DownscaleResult" -> new GuestMessage.DownscaleResult(f.longField("id"), f.booleanField("ok"), f.stringField("status"));
            case "UpscaleNotification" -> new GuestMessage.UpscaleNotification(f.longField("id"), f.resources("granted"));
            case "UpscaleConfirmation" -> new GuestMessage.UpscaleConfirmation(f.longField("id"));
            case "HealthCheck" -> new GuestMessage.HealthCheck(f.longField("id"));
            case "Metrics" -> new GuestMessage.Metrics(f.longField("id"), f.intField("cpusOnline"),
                    f.doubleField("loadAvg1"), f.doubleField("loadAvg5"), f.doubleField("loadAvg15"),
                    f.longField("memTotalBytes"), f.longField("memAvailableBytes"), f.longField("cachedBytes"),
                    f.longField("workloadAnonBytes"), f.doubleField("psiMemorySome10"), f.doubleField("psiMemoryFull10"),
                    f.doubleField("psiCpuSome10"), f.doubleField("cpuBusy"));
            case "InvalidMessage" -> new GuestMessage.InvalidMessage(f.longField("id"), f.stringField("error"));
            case "InternalError" -> new GuestMessage.InternalError(f.longField("id"), f.stringField("error"));
            case "SetCpusOnline" -> new GuestMessage.SetCpusOnline(f.longField("id"), f.intField("cpus"));
            case "CpusOnline" -> new GuestMessage.CpusOnline(f.longField("id"), f.intField("cpus"));
            default -> throw new MalformedPayloadException("malformed GuestMessage: unknown type \"" + name + "\"");
        };
        f.done();
        return m;
    }

    public static VersionRange decodeVersionRange(byte[] payload) throws MalformedPayloadException {
        Fields f = read(payload, "VersionRange");
        VersionRange r = new VersionRange(f.intField("min"), f.intField("max"));
        f.done();
        return r;
    }

    public static VersionChoice decodeVersionChoice(byte[] payload) throws MalformedPayloadException {
        Fields f = read(payload, "VersionChoice");
        VersionChoice c = new VersionChoice(f.intField("version"));
        f.done();
        return c;
    }

    /** Whether the payload is a version range (a new session), told apart by its fields. */
    public static boolean isVersionRange(byte[] payload) {
        try {
            Map<String, Object> m = JsonReader.readObject(payload);
            return m.containsKey("min") && m.containsKey("max") && !m.containsKey("type");
        } catch (JsonReader.JsonException e) {
            return false;
        }
    }

    private static Fields read(byte[] payload, String what) throws MalformedPayloadException {
        if (payload.length == 0 || payload.length > MAX_PAYLOAD) {
            throw new MalformedPayloadException("payload of " + payload.length + " bytes (allowed 1.." + MAX_PAYLOAD + ")");
        }
        try {
            return new Fields(what, JsonReader.readObject(payload));
        } catch (JsonReader.JsonException e) {
            throw new MalformedPayloadException("malformed " + what + ": " + e.getMessage());
        }
    }

    /** The fields of one object, taken one by one; what is left at {@link #done} is unknown. */
    private static final class Fields {
        private final Map<String, Object> map;
        private String what;

        Fields(String what, Map<String, Object> map) {
            this.what = what;
            this.map = map;
        }

        private Object take(String name) throws MalformedPayloadException {
            Object v = map.remove(name);
            if (v == null) {
                throw bad("missing field \"" + name + "\"");
            }
            return v;
        }

        long longField(String name) throws MalformedPayloadException {
            if (take(name) instanceof Long l) {
                return l;
            }
            throw bad("\"" + name + "\" is not an integer");
        }

        int intField(String name) throws MalformedPayloadException {
            long v = longField(name);
            if (v != (int) v) {
                throw bad("\"" + name + "\" is out of range for an int");
            }
            return (int) v;
        }

        double doubleField(String name) throws MalformedPayloadException {
            Object v = take(name);
            if (v instanceof Long l) {
                return l;
            }
            if (v instanceof Double d) {
                return d;
            }
            throw bad("\"" + name + "\" is not a number");
        }

        boolean booleanField(String name) throws MalformedPayloadException {
            if (take(name) instanceof Boolean b) {
                return b;
            }
            throw bad("\"" + name + "\" is not a boolean");
        }

        /** A string or null (the daemon's codec accepts null there too). */
        String stringField(String name) throws MalformedPayloadException {
            Object v = take(name);
            if (v == JsonReader.NULL) {
                return null;
            }
            if (v instanceof String s) {
                return s;
            }
            throw bad("\"" + name + "\" is not a string");
        }

        /** An object {@code {"cpuMillis":…,"memBytes":…}}; null is refused (nothing could act on it). */
        Resources resources(String name) throws MalformedPayloadException {
            Object v = take(name);
            if (!(v instanceof Map<?, ?> raw)) {
                throw bad("\"" + name + "\" is not an object");
            }
            @SuppressWarnings("unchecked")
            Fields inner = new Fields(what + "." + name, (Map<String, Object>) raw);
            Resources r = new Resources(inner.longField("cpuMillis"), inner.longField("memBytes"));
            inner.done();
            return r;
        }

        void done() throws MalformedPayloadException {
            if (!map.isEmpty()) {
                throw bad("unknown field \"" + map.keySet().iterator().next() + "\"");
            }
        }

        private MalformedPayloadException bad(String problem) {
            return new MalformedPayloadException("malformed " + what + ": " + problem);
        }
    }

    /** Builds one flat JSON object in the daemon codec's byte form. Not threadsafe. */
    private static final class Writer {
        private static final char[] HEX = "0123456789ABCDEF".toCharArray();
        private final StringBuilder sb = new StringBuilder(96).append('{');

        private StringBuilder name(String name) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            return quote(name).append(':');
        }

        Writer field(String name, long v) {
            name(name).append(v);
            return this;
        }

        Writer field(String name, boolean v) {
            name(name).append(v);
            return this;
        }

        /** Shortest repr, as Jackson writes it; NaN and infinities have no JSON form here. */
        Writer field(String name, double v) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(name + " is " + v + ": not representable in the guest protocol");
            }
            name(name).append(v);
            return this;
        }

        Writer field(String name, String v) {
            name(name);
            if (v == null) {
                sb.append("null");
            } else {
                quote(v);
            }
            return this;
        }

        Writer field(String name, Resources r) {
            if (r == null) {
                name(name).append("null");
                return this;
            }
            name(name).append("{\"cpuMillis\":").append(r.cpuMillis()).append(",\"memBytes\":").append(r.memBytes()).append('}');
            return this;
        }

        String end() {
            return sb.append('}').toString();
        }

        /** Escapes as Jackson does: short forms for \b \t \n \f \r, {@code \}uXXXX for other controls and surrogates. */
        private StringBuilder quote(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\b' -> sb.append("\\b");
                    case '\t' -> sb.append("\\t");
                    case '\n' -> sb.append("\\n");
                    case '\f' -> sb.append("\\f");
                    case '\r' -> sb.append("\\r");
                    default -> {
                        // Jackson writes both halves of a non-BMP character as escapes.
                        if (c < 0x20 || Character.isSurrogate(c)) {
                            sb.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF])
                                    .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            return sb.append('"');
        }
    }
}
