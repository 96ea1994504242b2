package io.vmflex.vmm.qemu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;

/**
 * A VM's SSH key pair (spec.enableSSH): ed25519, made with the JDK and written in OpenSSH's own
 * formats, so that the node needs no ssh-keygen and {@code ssh -i} reads the private half as it is.
 * The private half ({@link VmPaths#sshPrivateKey()}) is mode 0600 (the daemon runs as root; the admin
 * group gets it through the admin API, which checks the caller); the public half goes to the guest on
 * the kernel command line ({@link #kernelArg}): it is public, about 90 bytes, and fixed for the VM's
 * life, so no config disk or guest channel message is needed and the guest's init can install it
 * before anything else runs.
 *
 * <p>Formats (PROTOCOL.key of OpenSSH): the public key blob is {@code string "ssh-ed25519", string
 * pub[32]}; the private file is {@code "openssh-key-v1\0"}, cipher and kdf {@code "none"}, one public
 * key blob, then a private section {@code uint32 check, uint32 check, string "ssh-ed25519", string pub,
 * string seed||pub, string comment} padded with 1, 2, 3, ... to 8 bytes, base64 in PEM armour.
 *
 * <p>Stateless; thread-safe.
 */
public final class SshKeyPair {
    /** The kernel command line parameter the guest's init reads: the base64 public key blob. */
    public static final String KERNEL_PARAM = "vmflex.ssh";
    private static final String KEY_TYPE = "ssh-ed25519";
    /** X.509 SubjectPublicKeyInfo of an Ed25519 key = 12-byte header + the 32-byte key. */
    private static final int X509_HEADER = 12;
    /** PKCS#8 of an Ed25519 key (RFC 8410, no public key attribute) = 16-byte header + the 32-byte seed. */
    private static final int PKCS8_HEADER = 16;
    private static final int KEY_BYTES = 32;

    private SshKeyPair() {
    }

    /** The public key blob (base64) and the private key file's text. */
    public record Encoded(String publicBlob, String privatePem) {
        /** The authorized_keys / .pub line. */
        public String publicLine(String comment) {
            return KEY_TYPE + " " + publicBlob + " " + comment;
        }
    }

    /** A new key pair with {@code comment}. */
    public static Encoded generate(String comment) {
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] pub = tail(kp.getPublic().getEncoded(), X509_HEADER);
            byte[] seed = tail(kp.getPrivate().getEncoded(), PKCS8_HEADER);
            try {
                return encode(pub, seed, comment, new SecureRandom().nextInt());
            } finally {
                Arrays.fill(seed, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make Ed25519 keys", e);
        }
    }

    /** Encodes a key from its 32-byte public key and 32-byte seed; {@code check} is OpenSSH's random check word. */
    static Encoded encode(byte[] pub, byte[] seed, String comment, int check) {
        if (pub.length != KEY_BYTES || seed.length != KEY_BYTES) {
            throw new IllegalArgumentException("ed25519 keys are 32 bytes");
        }
        byte[] publicBlob = publicBlob(pub);
        ByteArrayOutputStream priv = new ByteArrayOutputStream();
        uint32(priv, check);
        uint32(priv, check);
        string(priv, KEY_TYPE.getBytes(StandardCharsets.US_ASCII));
        string(priv, pub);
        byte[] both = new byte[2 * KEY_BYTES];
        System.arraycopy(seed, 0, both, 0, KEY_BYTES);
        System.arraycopy(pub, 0, both, KEY_BYTES, KEY_BYTES);
        string(priv, both);
        Arrays.fill(both, (byte) 0);
        string(priv, comment.getBytes(StandardCharsets.UTF_8));
        for (int pad = 1; priv.size() % 8 != 0; pad++) {
            priv.write(pad);
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII));
        string(file, "none".getBytes(StandardCharsets.US_ASCII));
        string(file, "none".getBytes(StandardCharsets.US_ASCII));
        string(file, new byte[0]);
        uint32(file, 1);
        string(file, publicBlob);
        string(file, priv.toByteArray());
        String b64 = Base64.getMimeEncoder(70, new byte[] {'\n'}).encodeToString(file.toByteArray());
        return new Encoded(Base64.getEncoder().encodeToString(publicBlob),
                "-----BEGIN OPENSSH PRIVATE KEY-----\n" + b64 + "\n-----END OPENSSH PRIVATE KEY-----\n");
    }

    /**
     * The VM's key pair in {@code paths}, made when it has none yet (private half first, each written
     * under a temporary name, synced and renamed, so a crash leaves either no key or a whole one).
     *
     * @return the public key blob (base64)
     * @throws IllegalArgumentException with one line when the files cannot be written or read
     */
    public static String ensure(VmPaths paths, String vmName) {
        Path priv = paths.sshPrivateKey();
        Path pub = paths.sshPublicKey();
        try {
            if (!Files.exists(priv) || !Files.exists(pub)) {
                Encoded key = generate("vmflex@" + vmName);
                write(priv, key.privatePem(), "rw-------");
                write(pub, key.publicLine("vmflex@" + vmName) + "\n", "rw-r--r--");
            }
            return readPublicBlob(pub);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot make the VM's SSH key pair in " + paths.dir() + ": " + e.getMessage());
        }
    }

    /**
     * The public key blob when the VM has a key pair in {@code paths}, else null; never makes one (a
     * migration's target: the guest keeps the key it booted with, whose private half stayed behind).
     */
    public static String existing(VmPaths paths) {
        if (!Files.exists(paths.sshPrivateKey()) || !Files.exists(paths.sshPublicKey())) {
            return null;
        }
        try {
            return readPublicBlob(paths.sshPublicKey());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the VM's SSH public key: " + e.getMessage());
        }
    }

    /** The text of a VM's two key files. */
    public record KeyFiles(String publicLine, String privatePem) {
        @Override
        public String toString() {
            return "KeyFiles[" + publicLine.strip() + ", private key hidden]";
        }
    }

    /** The VM's key files as text, empty when it has none. */
    public static java.util.Optional<KeyFiles> files(VmPaths paths) {
        if (!Files.exists(paths.sshPrivateKey()) || !Files.exists(paths.sshPublicKey())) {
            return java.util.Optional.empty();
        }
        try {
            String publicLine = Files.readString(paths.sshPublicKey(), StandardCharsets.US_ASCII);
            String privatePem = Files.readString(paths.sshPrivateKey(), StandardCharsets.US_ASCII);
            return java.util.Optional.of(new KeyFiles(publicLine, privatePem));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the VM's SSH key pair: " + e.getMessage());
        }
    }

    /**
     * Writes a key pair that came with a migration into the VM's folder on the target, with the same
     * modes as one made here, so that the guest (which keeps the public key it booted with) can be
     * logged into from this node.
     *
     * @param publicLine the public key file's text, checked to be one ed25519 key line
     * @param privatePem the private key file's text
     */
    public static void adopt(VmPaths paths, String publicLine, String privatePem) {
        try {
            write(paths.sshPrivateKey(), privatePem, "rw-------");
            write(paths.sshPublicKey(), publicLine.endsWith("\n") ? publicLine : publicLine + "\n", "rw-r--r--");
            readPublicBlob(paths.sshPublicKey());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write the VM's SSH key pair in " + paths.dir() + ": " + e.getMessage());
        }
    }

    private static String readPublicBlob(Path pub) throws IOException {
        String[] line = Files.readString(pub, StandardCharsets.US_ASCII).strip().split(" ");
        if (line.length < 2 || !line[0].equals(KEY_TYPE) || !line[1].matches("[A-Za-z0-9+/]+=*")) {
            throw new IllegalArgumentException("the VM's SSH public key " + pub + " is not an ed25519 key");
        }
        return line[1];
    }

    /** {@code " vmflex.ssh=<blob>"}; "" for a null blob. */
    public static String kernelArg(String publicBlob) {
        return publicBlob == null ? "" : " " + KERNEL_PARAM + "=" + publicBlob;
    }

    private static void write(Path file, String text, String mode) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        // Created with its final mode: the private key is never readable by others, not even briefly.
        try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)))) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        // The umask may have taken bits away from the creation mode; set exactly what was asked.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] publicBlob(byte[] pub) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        string(out, KEY_TYPE.getBytes(StandardCharsets.US_ASCII));
        string(out, pub);
        return out.toByteArray();
    }

    private static byte[] tail(byte[] encoded, int header) {
        if (encoded.length != header + KEY_BYTES) {
            throw new IllegalStateException("unexpected Ed25519 key encoding of " + encoded.length + " bytes");
        }
        return Arrays.copyOfRange(encoded, header, encoded.length);
    }

    private static void uint32(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void string(ByteArrayOutputStream out, byte[] b) {
        uint32(out, b.length);
        out.writeBytes(b);
    }
}
