package io.vmflex.migration;

import java.util.UUID;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import java.nio.ByteOrder;

/**
 * Fixed-layout frames of the migration handshake, read and written through Agrona buffers
 * (flyweight style: no object per field, every offset a constant). All integers are big-endian
 * (network order). No length on the wire is chosen by the peer: every frame has a constant size.
 *
 * <pre>
 * Exchange (S = source daemon, connecting; T = target daemon, listening):
 *   S → T  Hello        60 bytes   (T reads the first 8, refuses a wrong magic or version at once)
 *   T → S  Challenge    33 bytes   status, server nonce          (closes if status != 0)
 *   S → T  Proof        32 bytes   HMAC(secret, "vmflex-migration-v2" | hello[4..60) | sn)
 *   T → S  Verdict      33 bytes   status, HMAC(secret, "vmflex-migration-v2-target" | same)
 *                                  (proof bytes are zero and T closes if status != 0)
 *   then, with flag ENCRYPT, sealed records ({@link RecordLayout}) both ways under keys
 *   HKDF(secret, cn | sn, "vmflex-migration-v2-keys" | hello[4..60)); without it, the plain
 *   stream (only when T opted out of encryption: otherwise T answers ENCRYPTION_REQUIRED).
 *
 * Hello (version 2; version 1 had no flags word and was 56 bytes long)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      'V'      |      'M'      |      'F'      |      'X'      |  0
 *  +-------------------------------+-------------------------------+
 *  |        version (u16) = 2      |        channel (u16)          |  4
 *  +-------------------------------+-------------------------------+
 *  |        migration id: UUID most significant 64 bits            |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        migration id: UUID least significant 64 bits           | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        client nonce (32 bytes)                                | 24
 *  ~                                                               ~
 *  +---------------------------------------------------------------+
 *  |        flags (u32): bit 0 ENCRYPT, every other bit zero       | 56
 *  +---------------------------------------------------------------+ 60
 *
 * Challenge / Verdict
 *  +---------------+-----------------------------------------------+
 *  | status (u8)   | server nonce / target proof (32 bytes)        ~  0..33
 *  +---------------+-----------------------------------------------+
 * </pre>
 *
 * <p>A version-1 target reads 56 bytes of a version-2 hello, sees version 2 and answers
 * BAD_VERSION; a version-2 target reads the 8-byte header of a version-1 hello and does the same,
 * so mixed versions fail at once with a clear status rather than a timeout.
 *
 * <p>Stateless and thread-safe.
 */
public final class HelloCodec {

    public static final int MAGIC = 0x564D4658; // "VMFX"
    public static final int VERSION = 2;
    /** Flag bit: the source wants the stream sealed ({@link RecordLayout}). */
    public static final int FLAG_ENCRYPT = 1;
    public static final int NONCE_LENGTH = 32;
    public static final int PROOF_LENGTH = 32;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int CHANNEL_OFFSET = 6;
    static final int MIGRATION_ID_OFFSET = 8;
    static final int MIGRATION_ID_LENGTH = 16;
    static final int CLIENT_NONCE_OFFSET = 24;
    static final int FLAGS_OFFSET = CLIENT_NONCE_OFFSET + NONCE_LENGTH;
    public static final int HELLO_LENGTH = FLAGS_OFFSET + 4;
    /** Length of a version-1 hello (no flags word), which a target drains before refusing it. */
    static final int V1_HELLO_LENGTH = 56;
    /** Magic, version and channel: what the target reads before it knows the hello's layout. */
    public static final int HEADER_LENGTH = MIGRATION_ID_OFFSET;

    static final int STATUS_OFFSET = 0;
    static final int REPLY_BODY_OFFSET = 1;
    /** Size of both the challenge and the verdict. */
    public static final int REPLY_LENGTH = REPLY_BODY_OFFSET + NONCE_LENGTH;

    static final String CLIENT_LABEL = "vmflex-migration-v2";
    static final String TARGET_LABEL = "vmflex-migration-v2-target";
    static final String KEYS_LABEL = "vmflex-migration-v2-keys";

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private HelloCodec() {
    }

    /** What reading a hello gave: the hello, or the status the target must answer with. */
    public sealed interface Decoded {
        record Valid(MigrationHello hello) implements Decoded {
        }

        record Invalid(HelloStatus status) implements Decoded {
        }
    }

    public static void encodeHello(MigrationHello hello, MutableDirectBuffer buffer, int offset) {
        buffer.putInt(offset + MAGIC_OFFSET, MAGIC, ORDER);
        buffer.putShort(offset + VERSION_OFFSET, (short) hello.version(), ORDER);
        buffer.putShort(offset + CHANNEL_OFFSET, (short) hello.channel(), ORDER);
        buffer.putLong(offset + MIGRATION_ID_OFFSET, hello.migrationId().getMostSignificantBits(), ORDER);
        buffer.putLong(offset + MIGRATION_ID_OFFSET + 8, hello.migrationId().getLeastSignificantBits(), ORDER);
        buffer.putBytes(offset + CLIENT_NONCE_OFFSET, hello.clientNonce());
        buffer.putInt(offset + FLAGS_OFFSET, hello.encrypt() ? FLAG_ENCRYPT : 0, ORDER);
    }

    /**
     * Checks the first {@value #HEADER_LENGTH} bytes of a hello: null if magic and version are this
     * version's, else the status to refuse with.
     */
    public static HelloStatus checkHeader(DirectBuffer buffer, int offset) {
        if (buffer.getInt(offset + MAGIC_OFFSET, ORDER) != MAGIC) {
            return HelloStatus.BAD_MAGIC;
        }
        if ((buffer.getShort(offset + VERSION_OFFSET, ORDER) & 0xFFFF) != VERSION) {
            return HelloStatus.BAD_VERSION;
        }
        return null;
    }

    /** Decodes {@link #HELLO_LENGTH} bytes at {@code offset}; the caller has read exactly that many. */
    public static Decoded decodeHello(DirectBuffer buffer, int offset) {
        if (buffer.capacity() - offset < HELLO_LENGTH) {
            throw new IllegalArgumentException("hello needs " + HELLO_LENGTH + " bytes");
        }
        HelloStatus header = checkHeader(buffer, offset);
        if (header != null) {
            return new Decoded.Invalid(header);
        }
        int version = buffer.getShort(offset + VERSION_OFFSET, ORDER) & 0xFFFF;
        int flags = buffer.getInt(offset + FLAGS_OFFSET, ORDER);
        if ((flags & ~FLAG_ENCRYPT) != 0) {
            // A flag this version does not know would change what follows the hello: not ours.
            return new Decoded.Invalid(HelloStatus.BAD_VERSION);
        }
        int channel = buffer.getShort(offset + CHANNEL_OFFSET, ORDER) & 0xFFFF;
        UUID id = new UUID(buffer.getLong(offset + MIGRATION_ID_OFFSET, ORDER),
                buffer.getLong(offset + MIGRATION_ID_OFFSET + 8, ORDER));
        byte[] nonce = new byte[NONCE_LENGTH];
        buffer.getBytes(offset + CLIENT_NONCE_OFFSET, nonce);
        return new Decoded.Valid(new MigrationHello(version, channel, id, nonce, (flags & FLAG_ENCRYPT) != 0));
    }

    /** Writes a challenge (server nonce) or verdict (target proof); {@code body} is null for zeros. */
    public static void encodeReply(HelloStatus status, byte[] body, MutableDirectBuffer buffer, int offset) {
        buffer.putByte(offset + STATUS_OFFSET, (byte) status.code());
        if (body == null) {
            buffer.setMemory(offset + REPLY_BODY_OFFSET, NONCE_LENGTH, (byte) 0);
        } else {
            if (body.length != NONCE_LENGTH) {
                throw new IllegalArgumentException("reply body must be " + NONCE_LENGTH + " bytes");
            }
            buffer.putBytes(offset + REPLY_BODY_OFFSET, body);
        }
    }

    public static HelloStatus replyStatus(DirectBuffer buffer, int offset) {
        return HelloStatus.ofCode(buffer.getByte(offset + STATUS_OFFSET) & 0xFF);
    }

    public static byte[] replyBody(DirectBuffer buffer, int offset) {
        byte[] body = new byte[NONCE_LENGTH];
        buffer.getBytes(offset + REPLY_BODY_OFFSET, body);
        return body;
    }
}
