package io.vmflex.api.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestFramesTest {

    static final List<GuestMessage> EVERY_MESSAGE = List.of(
            new GuestMessage.UpscaleRequest(1),
            new GuestMessage.DownscaleRequest(2, new Resources(1500, 2L << 30)),
            new GuestMessage.DownscaleResult(2, true, "freed 1 GiB"),
            new GuestMessage.DownscaleResult(4, false, "would go below workload anon"),
            new GuestMessage.UpscaleNotification(6, new Resources(4000, 8L << 30)),
            new GuestMessage.UpscaleConfirmation(6),
            new GuestMessage.HealthCheck(8),
            new GuestMessage.Metrics(3, 4, 0.5, 0.25, 0.125, 8L << 30, 6L << 30, 1L << 30, 512L << 20, 1.5, 0.0, 12.25, 0.75),
            new GuestMessage.InvalidMessage(0, "unknown type"),
            new GuestMessage.InternalError(5, "cannot read /proc/meminfo"));

    static byte[] payloadOf(byte[] frame) {
        return Arrays.copyOfRange(frame, 4, frame.length);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRoundTripEveryMessageWhenEncodedThenDecoded() throws Exception {
        for (GuestMessage m : EVERY_MESSAGE) {
            byte[] frame = GuestFrames.encode(m);
            assertEquals(frame.length - 4, ByteBuffer.wrap(frame).getInt(), "length prefix of " + m);
            assertEquals(m, GuestFrames.decodeMessage(payloadOf(frame)));
            assertFalse(GuestFrames.isVersionRange(payloadOf(frame)));
        }
    }

    @Test
    void shouldRoundTripHandshakeWhenEncodedThenDecoded() throws Exception {
        byte[] range = GuestFrames.encode(VersionRange.V1);
        assertEquals("{\"min\":1,\"max\":1}", new String(payloadOf(range), StandardCharsets.UTF_8));
        assertTrue(GuestFrames.isVersionRange(payloadOf(range)));
        assertEquals(VersionRange.V1, GuestFrames.decodeVersionRange(payloadOf(range)));
        byte[] choice = GuestFrames.encode(new VersionChoice(1));
        assertEquals("{\"version\":1}", new String(payloadOf(choice), StandardCharsets.UTF_8));
        assertEquals(new VersionChoice(1), GuestFrames.decodeVersionChoice(payloadOf(choice)));
    }

    @Test
    void shouldPutTypeAndIdOnTheWireWhenEncodingMessage() {
        String json = new String(payloadOf(GuestFrames.encode(new GuestMessage.HealthCheck(8))), StandardCharsets.UTF_8);
        assertEquals("{\"type\":\"HealthCheck\",\"id\":8}", json);
    }

    @Test
    void shouldReadMetricsOfAMonitorThatPredatesCpuBusyAsUnknownButNothingElseMissing() throws Exception {
        String older = "{\"type\":\"Metrics\",\"id\":3,\"cpusOnline\":1,\"loadAvg1\":0.5,\"loadAvg5\":0.25,"
                + "\"loadAvg15\":0.125,\"memTotalBytes\":100,\"memAvailableBytes\":50,\"cachedBytes\":1,"
                + "\"workloadAnonBytes\":2,\"psiMemorySome10\":0.0,\"psiMemoryFull10\":0.0,\"psiCpuSome10\":0.0";
        GuestMessage.Metrics m = (GuestMessage.Metrics) GuestFrames.decodeMessage(utf8(older + "}"));
        assertEquals(GuestMessage.Metrics.CPU_BUSY_UNKNOWN, m.cpuBusy());
        assertFalse(m.hasCpuBusy());
        assertEquals(0.5, ((GuestMessage.Metrics) GuestFrames.decodeMessage(utf8(older + ",\"cpuBusy\":0.5}"))).cpuBusy());
        // Only cpuBusy may be missing, and only from Metrics.
        assertThrows(GuestFrames.MalformedPayloadException.class,
                () -> GuestFrames.decodeMessage(utf8(older.replace(",\"psiCpuSome10\":0.0", "") + "}")));
        assertThrows(GuestFrames.MalformedPayloadException.class,
                () -> GuestFrames.decodeMessage(utf8(older + ",\"cpuBusy\":\"x\"}")));
    }

    @Test
    void shouldRejectWhenPayloadIsNotAStrictMessage() {
        List<String> bad = List.of(
                "{\"type\":\"Nope\",\"id\":1}",                       // unknown type
                "{\"id\":1}",                                          // no type
                "{\"type\":\"HealthCheck\",\"id\":1,\"extra\":true}",  // unknown field
                "{\"type\":\"HealthCheck\",\"id\":\"1\"}",             // string for a number
                "{\"type\":\"HealthCheck\",\"id\":1.5}",               // fraction for a long
                "{\"type\":\"HealthCheck\",\"id\":null}",              // null primitive
                "{\"type\":\"HealthCheck\",\"id\":99999999999999999999999}", // overflows long
                "{\"type\":\"DownscaleResult\",\"id\":1,\"ok\":\"yes\",\"status\":\"\"}",
                "{\"type\":\"DownscaleResult\",\"id\":1,\"ok\":1,\"status\":\"\"}",
                "{\"type\":\"HealthCheck\",\"id\":1} {}",              // trailing object
                "{\"type\":\"HealthCheck\",\"id\":1",                  // truncated
                "null",
                "[]",
                "42",
                "\"HealthCheck\"",
                "[".repeat(5000) + "]".repeat(5000),                   // deep nesting
                "");
        for (String s : bad) {
            assertThrows(GuestFrames.MalformedPayloadException.class, () -> GuestFrames.decodeMessage(utf8(s)),
                    () -> "accepted " + (s.length() > 60 ? s.substring(0, 60) + "..." : s));
        }
    }

    @Test
    void shouldRejectWhenRequiredFieldIsMissing() {
        assertThrows(GuestFrames.MalformedPayloadException.class,
                () -> GuestFrames.decodeMessage(utf8("{\"type\":\"HealthCheck\"}")));
        assertThrows(GuestFrames.MalformedPayloadException.class,
                () -> GuestFrames.decodeMessage(utf8("{\"type\":\"DownscaleResult\",\"id\":2,\"status\":\"x\"}")));
        assertThrows(GuestFrames.MalformedPayloadException.class,
                () -> GuestFrames.decodeVersionChoice(utf8("{}")));
    }

    @Test
    void shouldRejectWhenPayloadExceedsCap() {
        byte[] big = new byte[GuestFrames.MAX_PAYLOAD + 1];
        Arrays.fill(big, (byte) ' ');
        assertThrows(GuestFrames.MalformedPayloadException.class, () -> GuestFrames.decodeMessage(big));
        assertThrows(IllegalArgumentException.class,
                () -> GuestFrames.encode(new GuestMessage.InvalidMessage(0, "x".repeat(GuestFrames.MAX_PAYLOAD))));
    }

    @Test
    void shouldKeepErrorTextOnOneLineWhenRejecting() {
        GuestFrames.MalformedPayloadException e = assertThrows(GuestFrames.MalformedPayloadException.class,
                () -> GuestFrames.decodeMessage(utf8("{\"type\":\"Nope\",\"id\":1}")));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void shouldTellVersionRangeApartWhenPayloadIsOtherJson() {
        assertTrue(GuestFrames.isVersionRange(utf8("{\"min\":1,\"max\":2}")));
        assertFalse(GuestFrames.isVersionRange(utf8("{\"version\":1}")));
        assertFalse(GuestFrames.isVersionRange(utf8("{\"type\":\"X\",\"min\":1,\"max\":1}")));
        assertFalse(GuestFrames.isVersionRange(utf8("not json")));
        assertArrayEquals(new byte[] {0, 0, 0, 2, '{', '}'}, ByteBuffer.allocate(6).putInt(2).put(utf8("{}")).array());
    }
}
