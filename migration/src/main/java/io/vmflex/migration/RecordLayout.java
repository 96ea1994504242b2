package io.vmflex.migration;

/**
 * The sealed record format of an encrypted migration connection (data channels and the control
 * channel alike), after the hello of {@link HelloCodec}. Each direction of a connection is a
 * sequence of records under its own AES-256-GCM key ({@link ChannelProtection.Encrypted}, derived
 * per connection in {@link ClusterSecret#channelKeys}), so no two connections, and no two directions
 * of one, ever share a key.
 *
 * <pre>
 * Record (one per relay read: 0 .. max plaintext bytes)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        sealed length L (u32, big-endian) = n + 16             |  0
 *  +---------------------------------------------------------------+
 *  |        ciphertext (n bytes)                                   ~  4
 *  +---------------------------------------------------------------+
 *  |        GCM tag (16 bytes)                                     ~  4 + n
 *  +---------------------------------------------------------------+  4 + n + 16
 *
 * GCM nonce (never on the wire; both ends count records)
 *  +-------------------------------+-------------------------------+
 *  |        0x00000000             | sequence (u64, big-endian) .. ~  0..12
 *  +-------------------------------+-------------------------------+
 * additional authenticated data: the 4 length bytes
 * </pre>
 *
 * <ul>
 *   <li>The sequence starts at 0 in each direction and grows by one per record; it is never sent,
 *       so a record replayed, reordered, dropped or moved to another connection fails its tag.
 *       The sender refuses to seal once the 64-bit counter would wrap (a nonce is never reused).
 *   <li>A record with {@code n = 0} marks the end of the direction: a receiver that reaches end of
 *       stream without having opened it reports the stream as truncated, so cutting the TCP
 *       connection between two records cannot pass for a clean end.
 *   <li>Any record whose tag fails, whose length is out of range, or that follows the end record is
 *       an error: the connection is torn down and the migration fails as for any relay failure.
 * </ul>
 *
 * <p>Stateless.
 */
final class RecordLayout {

    static final int HEADER_LENGTH = 4;
    static final int TAG_LENGTH = 16;
    static final int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;
    static final int NONCE_LENGTH = 12;
    static final String TRANSFORMATION = "AES/GCM/NoPadding";
    /** Largest plaintext of a data-channel record: one relay read at most. */
    static final int MAX_DATA_PLAINTEXT = 256 * 1024;

    private RecordLayout() {
    }

    /** Writes the nonce of record {@code sequence} into {@code nonce}. */
    static void nonce(long sequence, byte[] nonce) {
        nonce[0] = 0;
        nonce[1] = 0;
        nonce[2] = 0;
        nonce[3] = 0;
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (sequence >>> (56 - 8 * i));
        }
    }

    static void putLength(byte[] b, int off, int value) {
        b[off] = (byte) (value >>> 24);
        b[off + 1] = (byte) (value >>> 16);
        b[off + 2] = (byte) (value >>> 8);
        b[off + 3] = (byte) value;
    }

    static int getLength(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }
}
