package io.vmflex.monitor;

import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.guest.VersionChoice;
import io.vmflex.api.guest.VersionRange;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest's hand codec ({@link GuestCodec}) against the daemon's Jackson codec
 * ({@link GuestFrames}): same bytes out, same messages in, and GuestCodec rejects everything
 * Jackson rejects. A new message type in {@link GuestMessage} fails
 * {@link #shouldCoverEveryMessageTypeWhenSealedInterfaceGrows} until it is added here and to the codec.
 */
class GuestCodecParityTest {
    static final List<GuestMessage> EVERY_MESSAGE = List.of(
            new GuestMessage.UpscaleRequest(1),
            new GuestMessage.UpscaleRequest(Long.MAX_VALUE),
            new GuestMessage.DownscaleRequest(2, new Resources(1500, 2L << 30)),
            new GuestMessage.DownscaleRequest(-2, new Resources(Long.MIN_VALUE, 0)),
            new GuestMessage.DownscaleResult(2, true, "freed 1 GiB"),
            new GuestMessage.DownscaleResult(4, false, "refused: \"used\" 51 MiB + 100 MiB > 16 MiB\n\ttab \\ slash / é ✓ 😀"),
            new GuestMessage.DownscaleResult(6, false, null),
            new GuestMessage.UpscaleNotification(6, new Resources(4000, 8L << 30)),
            new GuestMessage.UpscaleConfirmation(6),
            new GuestMessage.HealthCheck(8),
            new GuestMessage.Metrics(3, 4, 0.5, 0.25, 0.125, 8L << 30, 6L << 30, 1L << 30, 512L << 20, 1.5, 0.0, 12.25, 0.75),
            new GuestMessage.Metrics(5, Integer.MAX_VALUE, 1e-7, 1e21, 123456789.125, 0, 0, 0, 0, -0.0, 0.1 + 0.2, Double.MAX_VALUE, 0.75),
            new GuestMessage.InvalidMessage(0, "unknown type"),
            new GuestMessage.InvalidMessage(0, "controls \u0000\u0001\u001f\b\f\r del\u007f"),
            new GuestMessage.InternalError(5, "cannot read /proc/meminfo"),
            new GuestMessage.InternalError(7, ""),
            new GuestMessage.SetCpusOnline(10, 2),
            new GuestMessage.CpusOnline(10, Integer.MAX_VALUE));

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] payloadOf(byte[] frame) {
        return Arrays.copyOfRange(frame, 4, frame.length);
    }

    @Test
    void shouldWriteTheSameBytesAsJacksonWhenEncodingEveryMessage() {
        for (GuestMessage m : EVERY_MESSAGE) {
            assertEquals(new String(GuestFrames.encode(m), StandardCharsets.UTF_8),
                    new String(GuestCodec.encode(m), StandardCharsets.UTF_8), m.toString());
            assertArrayEquals(GuestFrames.encode(m), GuestCodec.encode(m), m.toString());
        }
        for (Object m : List.of(VersionRange.V1, new VersionRange(0, 7), new VersionChoice(1))) {
            assertArrayEquals(GuestFrames.encode(m), GuestCodec.encode(m), m.toString());
        }
    }

    @Test
    void shouldRoundTripEveryMessageBetweenBothCodecsWhenDecoding() throws Exception {
        for (GuestMessage m : EVERY_MESSAGE) {
            assertEquals(m, GuestFrames.decodeMessage(payloadOf(GuestCodec.encode(m))));
            assertEquals(m, GuestCodec.decodeMessage(payloadOf(GuestFrames.encode(m))));
            assertFalse(GuestCodec.isVersionRange(payloadOf(GuestFrames.encode(m))));
        }
        byte[] range = payloadOf(GuestFrames.encode(new VersionRange(1, 3)));
        assertTrue(GuestCodec.isVersionRange(range));
        assertEquals(new VersionRange(1, 3), GuestCodec.decodeVersionRange(range));
        assertEquals(new VersionChoice(1), GuestCodec.decodeVersionChoice(payloadOf(GuestFrames.encode(new VersionChoice(1)))));
        assertEquals(new VersionChoice(1), GuestFrames.decodeVersionChoice(payloadOf(GuestCodec.encode(new VersionChoice(1)))));
    }

    @Test
    void shouldCoverEveryMessageTypeWhenSealedInterfaceGrows() {
        Set<Class<?>> covered = new HashSet<>();
        EVERY_MESSAGE.forEach(m -> covered.add(m.getClass()));
        assertEquals(Set.of(GuestMessage.class.getPermittedSubclasses()), covered);
    }

    @Test
    void shouldAcceptWhatJacksonAcceptsWhenTextIsLaidOutDifferently() throws Exception {
        List<String> good = List.of(
                " {\n\t\"id\" : 8 , \"type\" : \"HealthCheck\" } \r\n",
                "{\"type\":\"DownscaleResult\",\"status\":\"\\u0041\\/\\ud83d\\ude00\",\"ok\":false,\"id\":-4}",
                "{\"type\":\"InvalidMessage\",\"id\":0,\"error\":null}",
                "{\"type\":\"UpscaleNotification\",\"id\":2,\"granted\":{\"memBytes\":1,\"cpuMillis\":2}}",
                "{\"type\":\"Metrics\",\"id\":3,\"cpusOnline\":1,\"loadAvg1\":1,\"loadAvg5\":2.5E1,\"loadAvg15\":-0.0,"
                        + "\"memTotalBytes\":0,\"memAvailableBytes\":0,\"cachedBytes\":0,\"workloadAnonBytes\":0,"
                        + "\"psiMemorySome10\":1e-3,\"psiMemoryFull10\":0,\"psiCpuSome10\":0,\"cpuBusy\":0.5}");
        for (String s : good) {
            assertEquals(GuestFrames.decodeMessage(utf8(s)), GuestCodec.decodeMessage(utf8(s)), s);
        }
    }

    @Test
    void shouldRejectWhenJacksonRejects() {
        List<String> bad = List.of(
                "{\"type\":\"Nope\",\"id\":1}",
                "{\"id\":1}",
                "{\"type\":\"HealthCheck\"}",
                "{\"type\":\"DownscaleResult\",\"id\":2,\"status\":\"x\"}",
                "{\"type\":\"HealthCheck\",\"id\":1,\"extra\":true}",
                "{\"type\":\"HealthCheck\",\"id\":\"1\"}",
                "{\"type\":\"HealthCheck\",\"id\":1.5}",
                "{\"type\":\"HealthCheck\",\"id\":1.0}",
                "{\"type\":\"HealthCheck\",\"id\":1e2}",
                "{\"type\":\"HealthCheck\",\"id\":null}",
                "{\"type\":\"HealthCheck\",\"id\":true}",
                "{\"type\":\"HealthCheck\",\"id\":99999999999999999999999}",
                "{\"type\":\"HealthCheck\",\"id\":01}",
                "{\"type\":\"HealthCheck\",\"id\":+1}",
                "{\"type\":\"HealthCheck\",\"id\":[1]}",
                "{\"type\":\"Metrics\",\"id\":3,\"cpusOnline\":4294967297,\"loadAvg1\":1,\"loadAvg5\":2,\"loadAvg15\":0,"
                        + "\"memTotalBytes\":0,\"memAvailableBytes\":0,\"cachedBytes\":0,\"workloadAnonBytes\":0,"
                        + "\"psiMemorySome10\":0,\"psiMemoryFull10\":0,\"psiCpuSome10\":0}",
                "{\"type\":\"Metrics\",\"id\":3,\"cpusOnline\":1,\"loadAvg1\":\"1\",\"loadAvg5\":2,\"loadAvg15\":0,"
                        + "\"memTotalBytes\":0,\"memAvailableBytes\":0,\"cachedBytes\":0,\"workloadAnonBytes\":0,"
                        + "\"psiMemorySome10\":0,\"psiMemoryFull10\":0,\"psiCpuSome10\":0}",
                "{\"type\":\"DownscaleResult\",\"id\":1,\"ok\":\"yes\",\"status\":\"\"}",
                "{\"type\":\"DownscaleResult\",\"id\":1,\"ok\":1,\"status\":\"\"}",
                "{\"type\":\"DownscaleRequest\",\"id\":2,\"target\":{\"cpuMillis\":1}}",
                "{\"type\":\"DownscaleRequest\",\"id\":2,\"target\":{\"cpuMillis\":1,\"memBytes\":2,\"x\":3}}",
                "{\"type\":\"DownscaleRequest\",\"id\":2,\"target\":5}",
                "{\"type\":\"HealthCheck\",\"id\":1} {}",
                "{\"type\":\"HealthCheck\",\"id\":1}x",
                "{\"type\":\"HealthCheck\",\"id\":1",
                "{\"type\":\"HealthCheck\",\"id\":1,}",
                "{\"type\":\"HealthCheck\" \"id\":1}",
                "{'type':'HealthCheck','id':1}",
                "{\"type\":\"HealthCheck\",\"id\":NaN}",
                "{\"type\":\"InvalidMessage\",\"id\":0,\"error\":\"raw\ncontrol\"}",
                "{\"type\":\"InvalidMessage\",\"id\":0,\"error\":\"bad \\x escape\"}",
                "{\"type\":\"InvalidMessage\",\"id\":0,\"error\":\"unterminated}",
                "null",
                "[]",
                "42",
                "\"HealthCheck\"",
                "[".repeat(5000) + "]".repeat(5000),
                "{\"a\":".repeat(5000) + "1" + "}".repeat(5000),
                "",
                " ");
        for (String s : bad) {
            String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
            assertThrows(GuestFrames.MalformedPayloadException.class, () -> GuestFrames.decodeMessage(utf8(s)),
                    () -> "the reference itself accepted " + shown);
            GuestCodec.MalformedPayloadException e = assertThrows(GuestCodec.MalformedPayloadException.class,
                    () -> GuestCodec.decodeMessage(utf8(s)), () -> "accepted " + shown);
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void shouldRejectWhatJacksonLetsThroughWhenItCannotBeActedOn() {
        List<byte[]> stricter = List.of(
                utf8("{\"type\":\"DownscaleRequest\",\"id\":2,\"target\":null}"),
                utf8("{\"type\":\"HealthCheck\",\"id\":1,\"id\":2}"),
                utf8("{\"type\":\"DownscaleResult\",\"id\":1,\"ok\":true,\"status\":5}"),
                new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC3, '"', '}'});
        for (byte[] p : stricter) {
            assertThrows(GuestCodec.MalformedPayloadException.class, () -> GuestCodec.decodeMessage(p),
                    () -> "accepted " + new String(p, StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldNameTheProblemWhenRejecting() {
        GuestCodec.MalformedPayloadException e = assertThrows(GuestCodec.MalformedPayloadException.class,
                () -> GuestCodec.decodeMessage(utf8("{\"type\":\"HealthCheck\",\"id\":1,\"extra\":true}")));
        assertEquals("malformed HealthCheck: unknown field \"extra\"", e.getMessage());
        e = assertThrows(GuestCodec.MalformedPayloadException.class,
                () -> GuestCodec.decodeMessage(utf8("{\"type\":\"Nope\",\"id\":1}")));
        assertEquals("malformed GuestMessage: unknown type \"Nope\"", e.getMessage());
    }

    @Test
    void shouldTellVersionRangeApartLikeJacksonWhenPayloadIsOtherJson() {
        for (String s : List.of("{\"min\":1,\"max\":2}", "{\"version\":1}", "{\"type\":\"X\",\"min\":1,\"max\":1}",
                "not json", "{\"min\":1}", "{\"max\":\"a\",\"min\":null}")) {
            assertEquals(GuestFrames.isVersionRange(utf8(s)), GuestCodec.isVersionRange(utf8(s)), s);
        }
    }

    @Test
    void shouldRefuseToEncodeWhenMessageCannotBeWritten() {
        assertThrows(IllegalArgumentException.class,
                () -> GuestCodec.encode(new GuestMessage.InvalidMessage(0, "x".repeat(GuestCodec.MAX_PAYLOAD))));
        assertThrows(IllegalArgumentException.class, () -> GuestCodec.encode("a string"));
        assertThrows(IllegalArgumentException.class,
                () -> GuestCodec.encode(new GuestMessage.Metrics(1, 1, Double.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.75)));
    }
}
