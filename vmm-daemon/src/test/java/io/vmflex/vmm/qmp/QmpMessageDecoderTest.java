package io.vmflex.vmm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QmpMessageDecoderTest {

    private static QmpMessage map(String json) throws Exception {
        return QmpMessages.fromJson(QmpJson.MAPPER.readTree(json));
    }

    @Test
    void shouldMapGreetingWhenQemuAnnouncesItself() throws Exception {
        QmpMessage message = map("""
                {"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7},
                 "package": "Debian 1:7.2+dfsg-7+deb12u18"}, "capabilities": ["oob"]}}""");
        QmpGreeting greeting = assertInstanceOf(QmpGreeting.class, message);
        assertEquals(new QemuVersion(7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18"), greeting.version());
        assertEquals(List.of("oob"), greeting.capabilities());
        assertTrue(greeting.version().isAtLeast(7, 2));
    }

    @Test
    void shouldMapReturnWithIdWhenCommandSucceeded() throws Exception {
        QmpReturn reply = assertInstanceOf(QmpReturn.class,
                map("{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": 42}"));
        assertEquals("running", reply.value().get("status").asText());
        assertEquals(42L, reply.id().asLong());
    }

    @Test
    void shouldMapReturnWithNullIdWhenReplyHasNoId() throws Exception {
        QmpReturn reply = assertInstanceOf(QmpReturn.class, map("{\"return\": {}}"));
        assertNull(reply.id());
        assertTrue(reply.value().isEmpty());
    }

    @Test
    void shouldMapErrorWhenCommandFailed() throws Exception {
        QmpError error = assertInstanceOf(QmpError.class, map(
                "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"}, \"id\": 7}"));
        assertEquals("CommandNotFound", error.errorClass());
        assertEquals("The command nope has not been found", error.desc());
        assertEquals(7L, error.id().asLong());
    }

    @Test
    void shouldMapEventWithDataAndTimestamp() throws Exception {
        QmpEvent event = assertInstanceOf(QmpEvent.class, map("""
                {"timestamp": {"seconds": 1700000000, "microseconds": 123456},
                 "event": "DEVICE_DELETED", "data": {"device": "cpu1", "path": "/machine/peripheral/cpu1"}}"""));
        assertEquals("DEVICE_DELETED", event.name());
        assertEquals("cpu1", event.data().get("device").asText());
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 123_456_000L), event.timestamp());
    }

    @Test
    void shouldGiveEmptyDataWhenEventHasNone() throws Exception {
        QmpEvent event = assertInstanceOf(QmpEvent.class,
                map("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}"));
        assertTrue(event.data().isObject() && event.data().isEmpty());
    }

    @Test
    void shouldRejectWhenShapeIsUnknown() {
        assertThrows(QmpProtocolException.class, () -> map("{\"hello\": 1}"));
        assertThrows(QmpProtocolException.class, () -> map("{\"event\": 5}"));
        assertThrows(QmpProtocolException.class, () -> map("{\"error\": \"flat\"}"));
        assertThrows(QmpProtocolException.class, () -> QmpMessages.fromJson(QmpJson.MAPPER.readTree("[1]")));
    }

    @Test
    void shouldBuildCommandWithIdAndOptionalArguments() {
        JsonNode bare = QmpMessages.command("query-status", null, 3);
        assertEquals("{\"execute\":\"query-status\",\"id\":3}", bare.toString());
        var args = QmpJson.MAPPER.createObjectNode().put("id", "cpu1");
        assertEquals("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"cpu1\"},\"id\":4}",
                QmpMessages.command("device_del", args, 4).toString());
    }

    @Test
    void shouldDecodeTypedMessagesWhenFramedStreamArrivesByteByByte() {
        String stream = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": []}}\r\n"
                + "{\"unknown\": true}\r\n"
                + "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 5, \"microseconds\": 6}}"
                + "{\"return\": {}, \"id\": 1}";
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(), new QmpMessageDecoder());
        for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        List<Class<?>> kinds = new ArrayList<>();
        Object message;
        while ((message = channel.readInbound()) != null) {
            kinds.add(message.getClass());
        }
        // The unknown shape is dropped, not fatal: the messages after it still arrive.
        assertEquals(List.of(QmpGreeting.class, QmpEvent.class, QmpReturn.class), kinds);
    }

    @Test
    void shouldFailWhenFramedObjectIsNotJson() {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(), new QmpMessageDecoder());
        assertThrows(CorruptedFrameException.class, () -> channel.writeInbound(
                Unpooled.copiedBuffer("{\"return\": nope}", StandardCharsets.UTF_8)));
    }
}
