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
 *   S → T  Hello        56 bytes
 *   T → S  Challenge    33 bytes   status, server nonce          (closes if status != 0)
 *   S → T  Proof        32 bytes   HMAC(secret, "vmflex-migration-v1" | id | channel | cn | sn)
 *   T → S  Verdict      33 bytes   status, HMAC(secret, "vmflex-migration-v1-target" | same)
 *                                  (proof bytes are zero and T closes if status != 0)
 *   then the QEMU stream, full duplex.
 *
 * Hello
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      'V'      |      'M'      |      'F'      |      'X'      |  0
 *  +-------------------------------+-------------------------------+
 *  |        version (u16) = 1      |        channel (u16)          |  4
 *  +-------------------------------+-------------------------------+
 *  |        migration id: UUID most significant 64 bits            |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        migration id: UUID least significant 64 bits           | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        client nonce (32 bytes)                                | 24
 *  ~                                                               ~
 *  +---------------------------------------------------------------+ 56
 *
 * Challenge / Verdict
 *  +---------------+-----------------------------------------------+
 *  | status (u8)   | server nonce / target proof (32 bytes)        ~  0..33
 *  +---------------+-----------------------------------------------+
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class HelloCodec {

    public static final int MAGIC = 0x564D4658; // "VMFX"
    public static final int VERSION = 1;
    public static final int NONCE_LENGTH = 32;
    public static final int PROOF_LENGTH = 32;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int CHANNEL_OFFSET = 6;
    static final int MIGRATION_ID_OFFSET = 8;
    static final int MIGRATION_ID_LENGTH = 16;
    static final int CLIENT_NONCE_OFFSET = 24;
    public static final int HELLO_LENGTH = CLIENT_NONCE_OFFSET + NONCE_LENGTH;

    static final int STATUS_OFFSET = 0;
    static final int REPLY_BODY_OFFSET = 1;
    /** Size of both the challenge and the verdict. */
    public static final int REPLY_LENGTH = REPLY_BODY_OFFSET + NONCE_LENGTH;

    static final String CLIENT_LABEL = "vmflex-migration-v1";
    static final String TARGET_LABEL = "vmflex-migration-v1-target";

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
    }

    /** Decodes {@link #HELLO_LENGTH} bytes at {@code offset}; the caller has read exactly that many. */
    public static Decoded decodeHello(DirectBuffer buffer, int offset) {
        if (buffer.capacity() - offset < HELLO_LENGTH) {
            throw new IllegalArgumentException("hello needs " + HELLO_LENGTH + " bytes");
        }
        if (buffer.getInt(offset + MAGIC_OFFSET, ORDER) != MAGIC) {
            return new Decoded.Invalid(HelloStatus.BAD_MAGIC);
        }
        int version = buffer.getShort(offset + VERSION_OFFSET, ORDER) & 0xFFFF;
        if (version != VERSION) {
            return new Decoded.Invalid(HelloStatus.BAD_VERSION);
        }
        int channel = buffer.getShort(offset + CHANNEL_OFFSET, ORDER) & 0xFFFF;
        UUID id = new UUID(buffer.getLong(offset + MIGRATION_ID_OFFSET, ORDER),
                buffer.getLong(offset + MIGRATION_ID_OFFSET + 8, ORDER));
        byte[] nonce = new byte[NONCE_LENGTH];
        buffer.getBytes(offset + CLIENT_NONCE_OFFSET, nonce);
        return new Decoded.Valid(new MigrationHello(version, channel, id, nonce));
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
