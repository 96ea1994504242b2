package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sealed record layer ({@link RecordSealer}, {@link RecordOpener}, the pumps) without a handshake. */
class RecordLayerTest {

    private static final int MAX = 4096;

    @TempDir
    Path dir;

    private final Random random = new Random(42);
    private final SecretKeySpec key = key(1);

    private static SecretKeySpec key(int fill) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) fill);
        return new SecretKeySpec(b, "AES");
    }

    /** Seals each message as one record, then the end record; returns the wire bytes. */
    private byte[] seal(RecordSealer sealer, byte[]... messages) throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        byte[] record = new byte[MAX + RecordLayout.OVERHEAD];
        for (byte[] m : messages) {
            wire.write(record, 0, sealer.seal(m, 0, m.length, record, 0));
        }
        wire.write(record, 0, sealer.seal(new byte[0], 0, 0, record, 0));
        return wire.toByteArray();
    }

    /** Feeds {@code wire} to an opener in random slices; returns the plaintext; a missing end record fails as in the pump. */
    private byte[] openFragmented(RecordOpener opener, byte[] wire) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(opener.maxRecordLength());
        byte[] out = new byte[opener.maxRecordLength()];
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        int fed = 0;
        while (fed < wire.length) {
            int slice = Math.min(wire.length - fed, Math.min(buffer.remaining(), 1 + random.nextInt(700)));
            buffer.put(wire, fed, slice);
            fed += slice;
            buffer.flip();
            int n;
            while ((n = opener.open(buffer, out, 0)) > 0) {
                plain.write(out, 0, n);
            }
            if (n == RecordOpener.END) {
                assertEquals(wire.length, fed, "the end record is the last thing on the wire");
                return plain.toByteArray();
            }
            buffer.compact();
        }
        // What OpeningPump does at end of stream without the end record.
        throw new RecordException("stream ended without its end record (truncated)");
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @Test
    void shouldRoundTripEveryByteWhenRecordsArriveInArbitraryFragments() throws Exception {
        byte[][] messages = new byte[50][];
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < messages.length; i++) {
            messages[i] = randomBytes(1 + random.nextInt(MAX));
            expected.write(messages[i]);
        }
        byte[] wire = seal(new RecordSealer(key, MAX), messages);
        assertArrayEquals(expected.toByteArray(), openFragmented(new RecordOpener(key, MAX), wire));
    }

    @Test
    void shouldLayOutARecordAsDrawnWhenSealed() throws Exception {
        byte[] record = new byte[3 + RecordLayout.OVERHEAD];
        int n = new RecordSealer(key, MAX).seal(new byte[] {'a', 'b', 'c'}, 0, 3, record, 0);
        assertEquals(4 + 3 + 16, n);
        assertArrayEquals(new byte[] {0, 0, 0, 19}, Arrays.copyOf(record, 4), "sealed length = plaintext + tag");
        assertNotEquals("abc", new String(record, 4, 3, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void shouldFailWhenAnySingleByteOfARecordIsFlipped() throws Exception {
        byte[] wire = seal(new RecordSealer(key, MAX), randomBytes(100));
        int firstRecord = 4 + 100 + 16;
        for (int i = 0; i < firstRecord; i++) {
            byte[] tampered = wire.clone();
            tampered[i] ^= 0x01;
            int at = i;
            assertThrows(RecordException.class, () -> openFragmented(new RecordOpener(key, MAX), tampered),
                    "flipped byte " + at);
        }
    }

    @Test
    void shouldFailWhenRecordsAreReplayedReorderedOrDropped() throws Exception {
        byte[] a = randomBytes(10);
        byte[] b = randomBytes(10);
        byte[] wire = seal(new RecordSealer(key, MAX), a, b);
        int len = 4 + 10 + 16;
        byte[] first = Arrays.copyOfRange(wire, 0, len);
        byte[] second = Arrays.copyOfRange(wire, len, 2 * len);
        byte[] end = Arrays.copyOfRange(wire, 2 * len, wire.length);
        assertThrows(RecordException.class, () -> openFragmented(new RecordOpener(key, MAX), concat(second, first, end)));
        assertThrows(RecordException.class, () -> openFragmented(new RecordOpener(key, MAX), concat(first, first, end)));
        assertThrows(RecordException.class, () -> openFragmented(new RecordOpener(key, MAX), concat(second, end)));
    }

    @Test
    void shouldFailWhenOpenedWithTheOtherDirectionsKey() throws Exception {
        byte[] wire = seal(new RecordSealer(key, MAX), randomBytes(10));
        assertThrows(RecordException.class, () -> openFragmented(new RecordOpener(key(2), MAX), wire));
    }

    @Test
    void shouldWaitForTheRestWhenARecordIsTruncated() throws Exception {
        byte[] wire = seal(new RecordSealer(key, MAX), randomBytes(100));
        ByteBuffer partial = ByteBuffer.wrap(wire, 0, 4 + 100 + 15);
        RecordOpener opener = new RecordOpener(key, MAX);
        assertEquals(RecordOpener.NEED_MORE, opener.open(partial, new byte[MAX + 16], 0));
        assertEquals(0, partial.position(), "nothing consumed from an incomplete record");
        assertEquals(RecordOpener.NEED_MORE, opener.open(ByteBuffer.wrap(wire, 0, 3), new byte[MAX + 16], 0));
    }

    @Test
    void shouldRefuseAnAnnouncedLengthAboveTheMaximumBeforeReadingIt() {
        byte[] header = {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        RecordException e = assertThrows(RecordException.class,
                () -> new RecordOpener(key, MAX).open(ByteBuffer.wrap(header), new byte[MAX + 16], 0));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void shouldFailTheDirectionWhenTheStreamEndsWithoutItsEndRecord() throws Exception {
        byte[] wire = seal(new RecordSealer(key, MAX), randomBytes(1000), randomBytes(1000));
        byte[] cut = Arrays.copyOf(wire, 2 * (4 + 1000 + 16)); // two whole records, no end record
        SocketChannel[] tcp = TestSockets.tcpPair();
        SocketChannel[] unix = TestSockets.unixPair(dir, "q.sock");
        try {
            OpeningPump pump = new OpeningPump(tcp[1], unix[0], new RecordOpener(key, MAX), 64 * 1024);
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    pump.run(new RelayStats().remoteToLocal);
                    ended.complete(null);
                } catch (Throwable t) {
                    ended.complete(t);
                }
            });
            tcp[0].write(ByteBuffer.wrap(cut));
            tcp[0].shutdownOutput();
            Throwable failure = ended.get(10, TimeUnit.SECONDS);
            assertTrue(failure instanceof RecordException && failure.getMessage().contains("truncated"), String.valueOf(failure));
            ByteBuffer delivered = ByteBuffer.allocate(2000);
            while (delivered.hasRemaining() && unix[1].read(delivered) >= 0) {
                // the two whole records were delivered before the cut was seen
            }
            assertEquals(2000, delivered.position());
        } finally {
            for (SocketChannel c : new SocketChannel[] {tcp[0], tcp[1], unix[0], unix[1]}) {
                c.close();
            }
        }
    }

    @Test
    void shouldRefuseToSealWhenTheSequenceWouldWrapAround() throws Exception {
        RecordSealer sealer = new RecordSealer(key, MAX, -1L); // 2^64 - 1: the last nonce
        byte[] record = new byte[MAX + RecordLayout.OVERHEAD];
        byte[] last = new byte[record.length];
        int n = sealer.seal(new byte[] {1}, 0, 1, last, 0);
        RecordException e = assertThrows(RecordException.class, () -> sealer.seal(new byte[] {2}, 0, 1, record, 0));
        assertTrue(e.getMessage().contains("exhausted"), e.getMessage());

        RecordOpener opener = new RecordOpener(key, MAX, -1L);
        assertEquals(1, opener.open(ByteBuffer.wrap(last, 0, n), new byte[MAX + 16], 0));
        assertThrows(RecordException.class, () -> opener.open(ByteBuffer.wrap(last, 0, n), new byte[MAX + 16], 0));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
