package io.vmflex.image.oci;

import io.vmflex.image.testing.LocalRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.vmflex.image.oci.TestImages.Layer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Pulls from a real registry: Debian's docker-registry (the CNCF distribution registry) on loopback,
 * filled with skopeo from an OCI layout, as an operator's own registry would be. The pulled image
 * unpacks like an archive, by tag or by digest; an unknown tag or digest, a blob the registry's disk
 * corrupted and a registry that is not there are refused with their reason, leaving nothing behind.
 */
class RegistryPullTest {
    private static final long MAX = 64L * 1024 * 1024;

    @TempDir
    static Path dir;
    private static LocalRegistry registry;
    private static Digest pushed;

    @BeforeAll
    static void startRegistry() throws Exception {
        String missing = LocalRegistry.missing();
        if (missing != null) {
            System.err.println("SKIPPED RegistryPullTest: no " + missing + " on PATH (Debian packages docker-registry, skopeo;"
                    + " ci/install-deps.sh installs them)");
        }
        assumeTrue(missing == null, "no " + missing);
        registry = LocalRegistry.start(dir);
        Path layout = dir.resolve("pushed");
        pushed = TestImages.ociLayout(layout, "linux", "amd64", List.of(
                new Layer().dir("etc").file("etc/hostname", "vm").dir("usr").dir("usr/bin").file("usr/bin/app", "#!/bin/sh\n", 0755).tar(),
                new Layer().file("etc/.wh.hostname", "").file("etc/added", "yes").tar()), true, i -> { });
        registry.push("oci:" + layout, "vmflex/app:1");
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    private Path pull(String ref, Path into) throws Exception {
        Path layout = into.resolve("layout");
        new RegistryPull(MAX).copy(RegistryReference.parse(ref), layout);
        Path root = into.resolve("root");
        new ImageImporter(MAX).unpack(layout, root);
        return root;
    }

    @Test
    void shouldPullByTagAndByDigestAndUnpackWhatWasPushed(@TempDir Path work) throws Exception {
        Path layout = work.resolve("by-tag");
        Digest digest = new RegistryPull(MAX).copy(RegistryReference.parse(registry.ref("vmflex/app:1")), layout);
        assertEquals(pushed, digest, "the manifest skopeo pushed, byte for byte");
        ImportedImage image = new ImageImporter(MAX).unpack(layout, work.resolve("root"));
        assertEquals(pushed, image.digest());
        assertEquals("yes", Files.readString(work.resolve("root/etc/added")));
        assertFalse(Files.exists(work.resolve("root/etc/hostname")), "the upper layer's whiteout applied");

        Path byDigest = pull(registry.ref("vmflex/app@" + pushed), work.resolve("by-digest"));
        assertTrue(Files.isRegularFile(byDigest.resolve("usr/bin/app")));
    }

    @Test
    void shouldRefuseAnUnknownTagOrDigestOrRegistry(@TempDir Path work) {
        ImageRefusedException tag = assertThrows(ImageRefusedException.class,
                () -> pull(registry.ref("vmflex/app:2"), work.resolve("a")));
        assertTrue(tag.getMessage().contains("404") && tag.getMessage().contains("no such image"), tag.getMessage());
        ImageRefusedException digest = assertThrows(ImageRefusedException.class,
                () -> pull(registry.ref("vmflex/app@sha256:" + "0".repeat(64)), work.resolve("b")));
        assertTrue(digest.getMessage().contains("404"), digest.getMessage());
        ImageRefusedException gone = assertThrows(ImageRefusedException.class, () -> {
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort();
            }
            pull("docker://127.0.0.1:" + closed + "/vmflex/app:1", work.resolve("c"));
        });
        assertTrue(gone.getMessage().contains("cannot reach"), gone.getMessage());
        assertFalse(Files.exists(work.resolve("a/root")) || Files.exists(work.resolve("b/root")), "nothing unpacked");
    }

    @Test
    void shouldRefuseALayerTheRegistryServesCorrupt(@TempDir Path work) throws Exception {
        registry.push("oci:" + dir.resolve("pushed"), "vmflex/bad:1");
        // The registry serves blobs from its disk as they are: flip bytes in the largest one (a layer).
        Path largest;
        try (Stream<Path> files = Files.walk(registry.storage())) {
            largest = files.filter(p -> p.getFileName().toString().equals("data") && p.toString().contains("/blobs/"))
                    .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
        }
        byte[] original = Files.readAllBytes(largest);
        byte[] bad = original.clone();
        bad[bad.length / 2] ^= 0x55;
        Files.write(largest, bad);
        try {
            ImageRefusedException e = assertThrows(ImageRefusedException.class,
                    () -> pull(registry.ref("vmflex/bad:1"), work));
            assertTrue(e.getMessage().contains("does not match its digest") && e.getMessage().contains("corrupt"), e.getMessage());
        } finally {
            Files.write(largest, original);
        }
        assertFalse(Files.exists(work.resolve("root")), "nothing unpacked");
    }

    @Test
    void shouldParseReferencesStrictly() throws Exception {
        RegistryReference r = RegistryReference.parse("docker://registry.example.com:5000/team/pg:15.4");
        assertEquals("registry.example.com:5000", r.host());
        assertEquals("team/pg", r.repository());
        assertEquals("15.4", r.reference());
        assertEquals("https://registry.example.com:5000", r.baseUrl());
        assertEquals("latest", RegistryReference.parse("docker://ghcr.io/neondatabase/compute").reference());
        assertEquals("http://localhost:5000", RegistryReference.parse("docker://localhost:5000/a:b").baseUrl());
        for (String bad : List.of("docker://", "docker://host", "docker://host/UPPER:1", "docker://host/a:b:c",
                "docker://host/a@sha256:123", "docker://host/a/../b:1", "docker://h\"x/a:1", "oci:/tmp/x",
                "docker://host/a:" + "t".repeat(129))) {
            assertThrows(ImageRefusedException.class, () -> RegistryReference.parse(bad), bad);
        }
    }
}
