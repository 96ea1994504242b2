package io.vmflex.migration;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecretTest {

    @TempDir
    Path dir;

    private Path write(String name, int bytes, String mode) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, new byte[bytes]);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    @Test
    void shouldLoadWhenOwnerOnlyAndLongEnough() throws IOException {
        assertNotNull(ClusterSecret.load(write("ok", 32, "rw-------")));
    }

    @Test
    void shouldRefuseNamingPathAndModeWhenWorldReadable() throws IOException {
        Path p = write("open", 64, "rw-r--r--");
        IOException e = assertThrows(IOException.class, () -> ClusterSecret.load(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("0644"), e.getMessage());
    }

    @Test
    void shouldRefuseWhenGroupReadable() throws IOException {
        Path p = write("group", 64, "r--r-----");
        IOException e = assertThrows(IOException.class, () -> ClusterSecret.load(p));
        assertTrue(e.getMessage().contains("0440"), e.getMessage());
    }

    @Test
    void shouldRefuseWhenShorterThan32Bytes() throws IOException {
        Path p = write("short", 31, "rw-------");
        IOException e = assertThrows(IOException.class, () -> ClusterSecret.load(p));
        assertTrue(e.getMessage().contains("31 bytes"), e.getMessage());
    }

    @Test
    void shouldNotRevealBytesWhenPrinted() {
        assertTrue(ClusterSecret.of(TestSockets.secretBytes(65)).toString().contains("redacted"));
    }
}
