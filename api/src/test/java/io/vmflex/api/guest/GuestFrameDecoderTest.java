package io.vmflex.api.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GuestFrameDecoderTest {

    private static byte[] concat(List<byte[]> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static List<byte[]> everyFrame() {
        List<byte[]> frames = new ArrayList<>();
        for (GuestMessage m : GuestFramesTest.EVERY_MESSAGE) {
            frames.add(GuestFrames.encode(m));
        }
        return frames;
    }

    @Test
    void shouldDecodeEveryFrameWhenSplitAtEveryByteBoundary() throws Exception {
        for (byte[] frame : everyFrame()) {
            for (int cut = 0; cut <= frame.length; cut++) {
                GuestFrameDecoder d = new GuestFrameDecoder();
                List<byte[]> got = new ArrayList<>(d.feed(frame, 0, cut));
                got.addAll(d.feed(frame, cut, frame.length - cut));
                assertEquals(1, got.size(), "cut at " + cut);
                assertArrayEquals(GuestFramesTest.payloadOf(frame), got.getFirst());
                assertEquals(0, d.buffered());
            }
        }
    }

    @Test
    void shouldDecodeWhenFedOneByteAtATime() throws Exception {
        List<byte[]> frames = everyFrame();
        byte[] stream = concat(frames);
        GuestFrameDecoder d = new GuestFrameDecoder();
        List<byte[]> got = new ArrayList<>();
        for (int i = 0; i < stream.length; i++) {
            got.addAll(d.feed(stream, i, 1));
        }
        assertEquals(frames.size(), got.size());
        for (int i = 0; i < frames.size(); i++) {
            assertArrayEquals(GuestFramesTest.payloadOf(frames.get(i)), got.get(i));
        }
    }

    @Test
    void shouldReturnAllFramesWhenSeveralArriveInOneBuffer() throws Exception {
        List<byte[]> frames = everyFrame();
        byte[] stream = concat(frames);
        GuestFrameDecoder d = new GuestFrameDecoder();
        List<byte[]> got = d.feed(stream, 0, stream.length);
        assertEquals(frames.size(), got.size());
        assertEquals(GuestFramesTest.EVERY_MESSAGE.get(3), GuestFrames.decodeMessage(got.get(3)));
        assertEquals(0, d.buffered());
    }

    @Test
    void shouldHonourOffsetWhenFeeding() throws Exception {
        byte[] frame = GuestFrames.encode(new GuestMessage.HealthCheck(2));
        byte[] padded = new byte[frame.length + 10];
        System.arraycopy(frame, 0, padded, 7, frame.length);
        List<byte[]> got = new GuestFrameDecoder().feed(padded, 7, frame.length);
        assertEquals(new GuestMessage.HealthCheck(2), GuestFrames.decodeMessage(got.getFirst()));
    }

    @Test
    void shouldFailForGoodWhenLengthIsZero() {
        GuestFrameDecoder d = new GuestFrameDecoder();
        byte[] zero = {0, 0, 0, 0};
        assertThrows(GuestFrameDecoder.FramingException.class, () -> d.feed(zero, 0, 4));
        byte[] good = GuestFrames.encode(new GuestMessage.HealthCheck(2));
        assertThrows(GuestFrameDecoder.FramingException.class, () -> d.feed(good, 0, good.length));
    }

    @Test
    void shouldFailForGoodWhenLengthExceedsCap() throws Exception {
        GuestFrameDecoder d = new GuestFrameDecoder();
        int len = GuestFrames.MAX_PAYLOAD + 1;
        byte[] header = {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len};
        d.feed(header, 0, 3);
        assertThrows(GuestFrameDecoder.FramingException.class, () -> d.feed(header, 3, 1));
        byte[] good = GuestFrames.encode(new GuestMessage.HealthCheck(2));
        assertThrows(GuestFrameDecoder.FramingException.class, () -> d.feed(good, 0, good.length));
        assertThrows(GuestFrameDecoder.FramingException.class,
                () -> new GuestFrameDecoder().feed(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, 0, 4));
    }

    @Test
    void shouldKeepFramesCompletedBeforeABadLengthWhenFailing() throws Exception {
        byte[] good = GuestFrames.encode(new VersionChoice(1));
        byte[] stream = new byte[good.length + 4];
        System.arraycopy(good, 0, stream, 0, good.length); // then a zero length
        GuestFrameDecoder.FramingException e = assertThrows(GuestFrameDecoder.FramingException.class,
                () -> new GuestFrameDecoder().feed(stream, 0, stream.length));
        assertEquals(1, e.framesBefore().size());
        assertEquals(new VersionChoice(1), GuestFrames.decodeVersionChoice(e.framesBefore().getFirst()));
    }

    @Test
    void shouldAcceptWhenPayloadIsExactlyTheCap() throws Exception {
        byte[] frame = new byte[4 + GuestFrames.MAX_PAYLOAD];
        frame[1] = 1; // 0x00010000 = 65536
        GuestFrameDecoder d = new GuestFrameDecoder();
        List<byte[]> got = d.feed(frame, 0, frame.length);
        assertEquals(1, got.size());
        assertEquals(GuestFrames.MAX_PAYLOAD, got.getFirst().length);
    }

    @Test
    void shouldNeverBufferMoreThanOneFrameWhenFedRandomChunks() throws Exception {
        Random random = new Random(42);
        byte[] big = new byte[4 + GuestFrames.MAX_PAYLOAD];
        big[1] = 1;
        List<byte[]> frames = new ArrayList<>(everyFrame());
        frames.add(big);
        frames.add(big);
        frames.addAll(everyFrame());
        byte[] stream = concat(frames);
        GuestFrameDecoder d = new GuestFrameDecoder();
        int pos = 0;
        int count = 0;
        int maxBuffered = 0;
        while (pos < stream.length) {
            int n = Math.min(stream.length - pos, 1 + random.nextInt(9000));
            count += d.feed(stream, pos, n).size();
            maxBuffered = Math.max(maxBuffered, d.buffered());
            assertTrue(d.buffered() <= 4 + GuestFrames.MAX_PAYLOAD, "buffered " + d.buffered());
            pos += n;
        }
        assertEquals(frames.size(), count);
        assertTrue(maxBuffered > GuestFrames.MAX_PAYLOAD / 2, "the test should have held a large partial frame");
        assertEquals(0, d.buffered(), Arrays.toString(new int[] {maxBuffered}));
    }
}
