package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Random;
import java.util.UUID;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class HelloCodecTest {

    @Test
    void shouldRoundTripHelloWhenEncodedAtAnOffset() {
        byte[] nonce = new byte[32];
        new Random(1).nextBytes(nonce);
        MigrationHello hello = new MigrationHello(HelloCodec.VERSION, 65535, UUID.randomUUID(), nonce, true);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[HelloCodec.HELLO_LENGTH + 7]);
        HelloCodec.encodeHello(hello, buffer, 7);
        HelloCodec.Decoded.Valid decoded = assertInstanceOf(HelloCodec.Decoded.Valid.class, HelloCodec.decodeHello(buffer, 7));
        assertEquals(hello, decoded.hello());
        assertArrayEquals(nonce, decoded.hello().clientNonce());
    }

    @Test
    void shouldLayOutHelloAsDrawnWhenEncoded() {
        UUID id = new UUID(0x0102030405060708L, 0x090A0B0C0D0E0F10L);
        byte[] bytes = new byte[HelloCodec.HELLO_LENGTH];
        HelloCodec.encodeHello(new MigrationHello(2, 3, id, new byte[32], true), new UnsafeBuffer(bytes), 0);
        assertArrayEquals(new byte[] {'V', 'M', 'F', 'X', 0, 2, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                java.util.Arrays.copyOf(bytes, 24));
        assertEquals(60, bytes.length);
        assertArrayEquals(new byte[] {0, 0, 0, 1}, java.util.Arrays.copyOfRange(bytes, 56, 60), "flags: ENCRYPT");
        HelloCodec.encodeHello(new MigrationHello(2, 3, id, new byte[32], false), new UnsafeBuffer(bytes), 0);
        assertArrayEquals(new byte[] {0, 0, 0, 0}, java.util.Arrays.copyOfRange(bytes, 56, 60), "flags: none");
    }

    @Test
    void shouldRoundTripThePlainRequestWhenEncryptFlagIsOff() {
        MigrationHello hello = new MigrationHello(HelloCodec.VERSION, 0, UUID.randomUUID(), new byte[32], false);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[HelloCodec.HELLO_LENGTH]);
        HelloCodec.encodeHello(hello, buffer, 0);
        HelloCodec.Decoded.Valid decoded = assertInstanceOf(HelloCodec.Decoded.Valid.class, HelloCodec.decodeHello(buffer, 0));
        assertEquals(false, decoded.hello().encrypt());
    }

    @Test
    void shouldReportBadVersionWhenAFlagBitIsUnknown() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[HelloCodec.HELLO_LENGTH]);
        HelloCodec.encodeHello(new MigrationHello(HelloCodec.VERSION, 0, UUID.randomUUID(), new byte[32], true), buffer, 0);
        buffer.putByte(HelloCodec.FLAGS_OFFSET + 3, (byte) 0x03);
        assertEquals(new HelloCodec.Decoded.Invalid(HelloStatus.BAD_VERSION), HelloCodec.decodeHello(buffer, 0));
    }

    @Test
    void shouldReportBadMagicWhenBytesAreRandom() {
        byte[] bytes = new byte[HelloCodec.HELLO_LENGTH];
        new Random(7).nextBytes(bytes);
        assertEquals(new HelloCodec.Decoded.Invalid(HelloStatus.BAD_MAGIC), HelloCodec.decodeHello(new UnsafeBuffer(bytes), 0));
    }

    @Test
    void shouldReportBadVersionFromTheHeaderAloneWhenHelloIsVersionOne() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[HelloCodec.HELLO_LENGTH]);
        HelloCodec.encodeHello(new MigrationHello(1, 0, UUID.randomUUID(), new byte[32], false), buffer, 0);
        assertEquals(new HelloCodec.Decoded.Invalid(HelloStatus.BAD_VERSION), HelloCodec.decodeHello(buffer, 0));
        assertEquals(HelloStatus.BAD_VERSION, HelloCodec.checkHeader(buffer, 0));
    }

    @Test
    void shouldRoundTripReplyWhenStatusAndBodyGiven() {
        byte[] body = new byte[32];
        new Random(3).nextBytes(body);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[HelloCodec.REPLY_LENGTH]);
        HelloCodec.encodeReply(HelloStatus.CHANNEL_ALREADY_USED, body, buffer, 0);
        assertEquals(HelloStatus.CHANNEL_ALREADY_USED, HelloCodec.replyStatus(buffer, 0));
        assertArrayEquals(body, HelloCodec.replyBody(buffer, 0));
        HelloCodec.encodeReply(HelloStatus.AUTH_FAILED, null, buffer, 0);
        assertArrayEquals(new byte[32], HelloCodec.replyBody(buffer, 0));
    }

    @Test
    void shouldMapUnknownCodeWhenStatusByteIsNew() {
        assertEquals(HelloStatus.UNKNOWN_STATUS, HelloStatus.ofCode(200));
        assertEquals(HelloStatus.TARGET_UNAVAILABLE, HelloStatus.ofCode(7));
    }
}
