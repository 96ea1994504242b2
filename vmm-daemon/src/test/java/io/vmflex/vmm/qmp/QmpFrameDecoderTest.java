package io.vmflex.vmm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QmpFrameDecoderTest {

    // Braces and brackets inside strings, escaped quotes, an escaped backslash right before a
    // closing quote, nested arrays, non-ASCII text: everything that fools a naive brace counter.
    private static final List<String> OBJECTS = List.of(
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": \"Debian\"}, \"capabilities\": [\"oob\"]}}",
            "{\"return\": {\"desc\": \"a } brace and a { brace and ] [\"}, \"id\": 1}",
            "{\"event\": \"X\", \"data\": {\"q\": \"say \\\"}\\\" now\", \"b\": \"ends in backslash \\\\\"}, \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}",
            "{\"return\": [[1, 2], {\"a\": []}, \"\u00e9\u00e8 {\"], \"id\": 2}");

    private static final String STREAM = String.join("\r\n", OBJECTS) + "\r\n";

    @Test
    void shouldEmitEveryObjectWhenStreamIsSplitAtEveryByteBoundary() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int split = 0; split <= bytes.length; split++) {
            EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder());
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
            assertEquals(OBJECTS, drain(channel), "split at byte " + split);
        }
    }

    @Test
    void shouldEmitEveryObjectWhenFedOneByteAtATime() {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder());
        for (byte b : STREAM.getBytes(StandardCharsets.UTF_8)) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(OBJECTS, drain(channel));
    }

    @Test
    void shouldEmitSeveralObjectsWhenOneBufferHoldsThemWithoutSeparators() {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder());
        channel.writeInbound(utf8(String.join("", OBJECTS)));
        assertEquals(OBJECTS, drain(channel));
    }

    @Test
    void shouldWaitForTheRestWhenObjectIsIncomplete() {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder());
        channel.writeInbound(utf8("{\"return\": {\"s\": \"}\""));
        assertNull(channel.readInbound());
        channel.writeInbound(utf8("}}"));
        assertEquals(List.of("{\"return\": {\"s\": \"}\"}}"), drain(channel));
    }

    @Test
    void shouldAcceptObjectWhenExactlyMaxBytes() {
        String object = "{\"return\": \"" + "x".repeat(20) + "\"}";
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(object.length()));
        channel.writeInbound(utf8(object));
        assertEquals(List.of(object), drain(channel));
    }

    @Test
    void shouldFailAndDiscardTheRestWhenObjectExceedsMax() {
        String object = "{\"return\": \"" + "x".repeat(20) + "\"}";
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder(object.length() - 2));
        // Fail while the object is still arriving, not only once it is complete.
        assertThrows(TooLongFrameException.class, () -> channel.writeInbound(utf8(object.substring(0, object.length() - 1))));
        channel.writeInbound(utf8("}{\"return\": {}}"));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void shouldFailWhenGarbageAppearsBetweenObjects() {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder());
        assertThrows(CorruptedFrameException.class,
                () -> channel.writeInbound(utf8("{\"return\": {}}\r\nHTTP/1.1 200 OK\r\n{\"return\": {}}")));
        assertEquals(List.of("{\"return\": {}}"), drain(channel));
        channel.writeInbound(utf8("{\"return\": {}}"));
        assertNull(channel.readInbound(), "nothing is emitted after the stream was declared corrupt");
    }

    @Test
    void shouldFailWhenStreamStartsWithTopLevelArray() {
        EmbeddedChannel channel = new EmbeddedChannel(new QmpFrameDecoder());
        assertThrows(CorruptedFrameException.class, () -> channel.writeInbound(utf8("[1, 2]")));
    }

    private static ByteBuf utf8(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    private static List<String> drain(EmbeddedChannel channel) {
        List<String> frames = new ArrayList<>();
        ByteBuf frame;
        while ((frame = channel.readInbound()) != null) {
            frames.add(frame.toString(StandardCharsets.UTF_8));
            frame.release();
        }
        return frames;
    }
}
