package io.vmflex.migration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret shared by all daemons of a cluster; it keys the HMAC proofs of the migration hello and,
 * through HKDF, the per-connection keys of the encrypted migration stream.
 *
 * <p>The file's bytes are used as they are (e.g. {@code head -c 32 /dev/urandom > secret}); it must
 * hold at least {@value #MIN_BYTES} bytes and must carry no permission bit for group or others,
 * because anyone who can read it can feed memory into any VM migrating to this node.
 *
 * <p>Immutable and thread-safe; {@link #proof} creates its own {@link Mac} per call (one per
 * handshake, never on the relay path).
 */
public final class ClusterSecret {

    /** Minimum key length: the HMAC-SHA256 block of security this design claims. */
    public static final int MIN_BYTES = 32;

    private static final Set<PosixFilePermission> FORBIDDEN = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final SecretKeySpec key;

    private ClusterSecret(byte[] bytes) {
        if (bytes.length < MIN_BYTES) {
            throw new IllegalArgumentException(
                    "cluster secret has " + bytes.length + " bytes; at least " + MIN_BYTES + " are required");
        }
        this.key = new SecretKeySpec(bytes, "HmacSHA256");
    }

    /** A secret from bytes already in memory (tests, or a secret handed over by the daemon's config). */
    public static ClusterSecret of(byte[] bytes) {
        return new ClusterSecret(bytes.clone());
    }

    /**
     * Reads the secret from {@code path}, refusing files that group or others may access.
     *
     * @throws IOException naming the path and its mode when the file is too open, too short or unreadable
     */
    public static ClusterSecret load(Path path) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new IOException("cluster secret " + path + " is not a regular file");
        }
        Set<PosixFilePermission> permissions = attributes.permissions();
        if (permissions.stream().anyMatch(FORBIDDEN::contains)) {
            throw new IOException("cluster secret " + path + " has mode " + mode(permissions)
                    + " (" + PosixFilePermissions.toString(permissions) + "); it must not be accessible by group or"
                    + " others: chmod 600 " + path);
        }
        byte[] bytes = Files.readAllBytes(path);
        if (bytes.length < MIN_BYTES) {
            throw new IOException("cluster secret " + path + " has " + bytes.length + " bytes; at least "
                    + MIN_BYTES + " are required");
        }
        return new ClusterSecret(bytes);
    }

    /**
     * HMAC-SHA256 over {@code label | hello from its version field to its end | serverNonce}: the
     * bytes exactly as they crossed the wire, so the proofs also cover the version and the flags (a
     * peer in the middle cannot strip the request for encryption).
     */
    byte[] proof(String label, byte[] encodedHello, byte[] serverNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(label.getBytes(StandardCharsets.US_ASCII));
            mac.update(encodedHello, HelloCodec.VERSION_OFFSET, HelloCodec.HELLO_LENGTH - HelloCodec.VERSION_OFFSET);
            mac.update(serverNonce, 0, HelloCodec.NONCE_LENGTH);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * 64 bytes of key material for one connection: HKDF-SHA256 with the secret as input keying
     * material, {@code clientNonce | serverNonce} as salt and {@code label | hello from its version
     * field to its end} (version, channel, migration id, client nonce, flags) as info. Both nonces
     * are fresh per connection, so no two connections share keys. Bytes 0..31 key the source → target
     * direction, 32..63 the target → source one.
     */
    byte[] channelKeys(byte[] encodedHello, byte[] serverNonce) {
        byte[] salt = new byte[2 * HelloCodec.NONCE_LENGTH];
        System.arraycopy(encodedHello, HelloCodec.CLIENT_NONCE_OFFSET, salt, 0, HelloCodec.NONCE_LENGTH);
        System.arraycopy(serverNonce, 0, salt, HelloCodec.NONCE_LENGTH, HelloCodec.NONCE_LENGTH);
        byte[] label = HelloCodec.KEYS_LABEL.getBytes(StandardCharsets.US_ASCII);
        int helloPart = HelloCodec.HELLO_LENGTH - HelloCodec.VERSION_OFFSET;
        byte[] info = new byte[label.length + helloPart];
        System.arraycopy(label, 0, info, 0, label.length);
        System.arraycopy(encodedHello, HelloCodec.VERSION_OFFSET, info, label.length, helloPart);
        return Hkdf.derive(salt, key.getEncoded(), info, 64);
    }

    /** Constant-time comparison, so a forger learns nothing from how long a refusal takes. */
    static boolean sameProof(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    private static String mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }

    @Override
    public String toString() {
        return "ClusterSecret[redacted]";
    }
}
