package io.vmflex.vmm.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The key files are checked with OpenSSH's own ssh-keygen (Debian's openssh-client, a test dependency of the node). */
class SshKeyPairTest {

    private static String sshKeygen(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(args)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), String.join(" ", args) + ": " + out);
        return out;
    }

    @Test
    void shouldWriteAPrivateKeyOpenSshReadsAndOnlyRootMayRead(@TempDir Path dir) throws Exception {
        VmPaths paths = new VmPaths(dir);
        String blob = SshKeyPair.ensure(paths, "db");

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.sshPrivateKey())));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.sshPublicKey())));
        // ssh-keygen -y derives the public key from the private file: it must be the one the guest gets.
        String derived = sshKeygen("ssh-keygen", "-y", "-f", paths.sshPrivateKey().toString());
        assertTrue(derived.startsWith("ssh-ed25519 " + blob), derived + " vs " + blob);
        assertEquals("ssh-ed25519 " + blob + " vmflex@db", Files.readString(paths.sshPublicKey()).strip());
        String fingerprint = sshKeygen("ssh-keygen", "-l", "-f", paths.sshPublicKey().toString());
        assertTrue(fingerprint.startsWith("256 SHA256:") && fingerprint.endsWith("vmflex@db (ED25519)"), fingerprint);
        assertFalse(Files.exists(dir.resolve("ssh_key.tmp")));
    }

    @Test
    void shouldKeepTheKeyPairOnceMadeAndNeverMakeOneForAnArrival(@TempDir Path dir) {
        VmPaths paths = new VmPaths(dir);
        assertNull(SshKeyPair.existing(paths), "a migration's target made itself a key");
        String first = SshKeyPair.ensure(paths, "db");
        assertEquals(first, SshKeyPair.ensure(paths, "db"));
        assertEquals(first, SshKeyPair.existing(paths));
        assertEquals(" vmflex.ssh=" + first, SshKeyPair.kernelArg(first));
        assertEquals("", SshKeyPair.kernelArg(null));
    }

    @Test
    void shouldEncodeThePublicBlobAsOpenSshDoes() {
        byte[] pub = new byte[32];
        for (int i = 0; i < 32; i++) {
            pub[i] = (byte) i;
        }
        SshKeyPair.Encoded e = SshKeyPair.encode(pub, new byte[32], "c", 42);
        byte[] blob = Base64.getDecoder().decode(e.publicBlob());
        // string "ssh-ed25519" (4 + 11 bytes), string pub (4 + 32 bytes)
        assertEquals(51, blob.length);
        assertEquals("ssh-ed25519", new String(blob, 4, 11, StandardCharsets.US_ASCII));
        byte[] tail = new byte[32];
        System.arraycopy(blob, 19, tail, 0, 32);
        assertArrayEquals(pub, tail);
        assertTrue(e.privatePem().startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"), e.privatePem());
        assertTrue(e.privatePem().endsWith("\n-----END OPENSSH PRIVATE KEY-----\n"), e.privatePem());
    }
}
