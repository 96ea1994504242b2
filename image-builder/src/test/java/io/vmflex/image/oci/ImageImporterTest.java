package io.vmflex.image.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static io.vmflex.image.oci.TestImages.Layer;
import static org.junit.jupiter.api.Assertions.*;

class ImageImporterTest {

    private static final long MAX = 64L * 1024 * 1024;

    @TempDir
    Path dir;
    private Path store;
    private Path outside;

    @BeforeEach
    void setUp() throws Exception {
        store = Files.createDirectories(dir.resolve("store"));
        outside = Files.createDirectories(dir.resolve("outside"));
    }

    /** Base layer: a usrmerge-style root with a file to hide, a directory to make opaque, a program. */
    private static byte[] base() {
        return new Layer().dir("etc").file("etc/hostname", "old").file("etc/keep", "kept")
                .dir("usr").dir("usr/lib").dir("usr/bin").symlink("lib", "usr/lib")
                .file("usr/bin/app", "#!/bin/sh\necho app\n", 04755)
                .dir("var").dir("var/cache").file("var/cache/stale", "stale").tar();
    }

    /** Top layer: deletes etc/hostname, empties var/cache, writes through the lib link, hard-links app. */
    private static byte[] top() {
        return new Layer().file("etc/.wh.hostname", "").file("var/cache/.wh..wh..opq", "")
                .file("var/cache/fresh", "fresh").file("lib/libadded.so", "elf")
                .hardlink("usr/bin/app2", "usr/bin/app").fifo("dev-fifo").tar();
    }

    private void assertUnpackedRoot(Path root) throws Exception {
        assertFalse(Files.exists(root.resolve("etc/hostname")), "whiteout deletes the lower layer's file");
        assertEquals("kept", Files.readString(root.resolve("etc/keep")));
        assertEquals(Set.of("fresh"), names(root.resolve("var/cache")), "opaque whiteout empties the lower layer's directory");
        assertTrue(Files.isSymbolicLink(root.resolve("lib")));
        assertEquals("elf", Files.readString(root.resolve("usr/lib/libadded.so")), "written through the image's own link, inside the root");
        assertEquals(Files.readAttributes(root.resolve("usr/bin/app"), "unix:ino").get("ino"),
                Files.readAttributes(root.resolve("usr/bin/app2"), "unix:ino").get("ino"), "hard link kept");
        assertEquals(04755, ((Integer) Files.getAttribute(root.resolve("usr/bin/app"), "unix:mode")) & 07777, "set-id bit kept");
        assertFalse(Files.exists(root.resolve("dev-fifo"), LinkOption.NOFOLLOW_LINKS), "FIFOs are left out");
    }

    private static void assertConfig(ImportedImage image) {
        assertEquals(List.of("/usr/bin/app"), image.config().entrypoint());
        assertEquals(List.of("-x"), image.config().cmd());
        assertEquals(List.of("PATH=/usr/bin:/bin", "PGDATA=/var/lib/pg"), image.config().env());
        assertEquals("/srv", image.config().workingDir());
        assertEquals("postgres", image.config().user());
        assertEquals(2, image.layers());
        assertEquals(1, image.skippedDevices());
    }

    @Test
    void shouldUnpackAnOciLayoutAsTheOverlayWouldShowIt() throws Exception {
        Path layout = dir.resolve("layout");
        Digest manifest = TestImages.ociLayout(layout, "linux", "amd64", List.of(base(), top()), true, i -> { });
        ImportedImage image = new ImageImporter(MAX).unpack(layout, store.resolve("img"));
        assertUnpackedRoot(store.resolve("img"));
        assertConfig(image);
        assertEquals(ImageSource.Format.OCI_LAYOUT, image.format());
        assertEquals(manifest, image.digest(), "the manifest digest is where it came from");
    }

    @Test
    void shouldUnpackAnOciArchive() throws Exception {
        Path layout = dir.resolve("layout");
        Digest manifest = TestImages.ociLayout(layout, "linux", "amd64", List.of(base(), top()), false, i -> { });
        Path archive = dir.resolve("image.oci.tar");
        TestImages.tarOf(layout, archive);
        ImportedImage image = new ImageImporter(MAX).unpack(archive, store.resolve("img"));
        assertUnpackedRoot(store.resolve("img"));
        assertEquals(ImageSource.Format.OCI_ARCHIVE, image.format());
        assertEquals(manifest, image.digest());
        assertEquals(Set.of("img"), names(store), "the archive's staging copy is gone");
    }

    @Test
    void shouldUnpackADockerArchive() throws Exception {
        Path archive = dir.resolve("image.docker.tar");
        Digest config = TestImages.dockerArchive(archive, List.of(base(), top()), dir.resolve("docker"));
        ImportedImage image = new ImageImporter(MAX).unpack(archive, store.resolve("img"));
        assertUnpackedRoot(store.resolve("img"));
        assertConfig(image);
        assertEquals(ImageSource.Format.DOCKER_ARCHIVE, image.format());
        assertEquals(config, image.digest(), "docker's image id");
    }

    @Test
    void shouldPickTheAmd64ImageOfAMultiPlatformIndex() throws Exception {
        Path layout = dir.resolve("layout");
        TestImages.ociLayout(layout, "linux", "amd64", List.of(base(), top()), true, index -> {
            ObjectNode amd64 = (ObjectNode) index.path("manifests").get(0);
            amd64.putObject("platform").put("os", "linux").put("architecture", "amd64");
            ObjectNode arm = index.withArray("manifests").insertObject(0);
            arm.put("mediaType", "application/vnd.oci.image.manifest.v1+json").put("digest", "sha256:" + "0".repeat(64))
                    .putObject("platform").put("os", "linux").put("architecture", "arm64");
        });
        assertEquals(2, new ImageImporter(MAX).unpack(layout, store.resolve("img")).layers());
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void shouldRefuseAWindowsImage() throws Exception {
        Path layout = dir.resolve("layout");
        TestImages.ociLayout(layout, "windows", "amd64", List.of(base()), true, i -> { });
        assertRefused(layout, "image is for windows/amd64, vmflex runs linux/amd64 images only");
    }

    @Test
    void shouldRefuseAnArm64Image() throws Exception {
        Path layout = dir.resolve("layout");
        TestImages.ociLayout(layout, "linux", "arm64", List.of(base()), true, i -> { });
        assertRefused(layout, "image is for linux/arm64");
    }

    @Test
    void shouldRefuseAnIndexWithoutAmd64() throws Exception {
        Path layout = dir.resolve("layout");
        TestImages.ociLayout(layout, "linux", "amd64", List.of(base()), true, index ->
                ((ObjectNode) index.path("manifests").get(0)).putObject("platform").put("os", "linux").put("architecture", "s390x"));
        assertRefused(layout, "index.json has no linux/amd64 image (it has linux/s390x)");
    }

    @Test
    void shouldRefuseACorruptLayer() throws Exception {
        Path layout = dir.resolve("layout");
        TestImages.ociLayout(layout, "linux", "amd64", List.of(base(), top()), false, i -> { });
        // Flip one byte of the second layer's content: same size, other digest.
        Path blob = largestBlobs(layout).get(1);
        byte[] bytes = Files.readAllBytes(blob);
        int at = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("fresh");
        bytes[at] = 'F';
        Files.write(blob, bytes);
        assertRefused(layout, "does not match its digest");
    }

    @Test
    void shouldRefuseADotDotEntry() throws Exception {
        Path layout = dir.resolve("layout");
        byte[] evil = new Layer().dir("etc").file("etc/../../outside/pwned", "x").tar();
        TestImages.ociLayout(layout, "linux", "amd64", List.of(evil), true, i -> { });
        assertRefused(layout, "leads outside the image's root");
    }

    @Test
    void shouldRefuseWritingThroughALinkThatLeavesTheRoot() throws Exception {
        Path layout = dir.resolve("layout");
        byte[] plant = new Layer().symlink("escape", "../../../../../../" + outside.toString().substring(1)).tar();
        byte[] write = new Layer().file("escape/pwned", "x").tar();
        TestImages.ociLayout(layout, "linux", "amd64", List.of(plant, write), true, i -> { });
        assertRefused(layout, "leads outside the image's root");
    }

    @Test
    void shouldRefuseAnAbsoluteLinkThatClimbsAboveTheRoot() throws Exception {
        Path layout = dir.resolve("layout");
        byte[] plant = new Layer().symlink("escape", "/../../../../" + outside.toString().substring(1)).tar();
        byte[] write = new Layer().file("escape/pwned", "x").tar();
        TestImages.ociLayout(layout, "linux", "amd64", List.of(plant, write), true, i -> { });
        assertRefused(layout, "leads outside the image's root");
    }

    @Test
    void shouldRefuseAHardLinkToAFileOutsideTheRoot() throws Exception {
        Files.writeString(outside.resolve("secret"), "secret");
        Path layout = dir.resolve("layout");
        byte[] evil = new Layer().hardlink("stolen", "../../outside/secret").tar();
        TestImages.ociLayout(layout, "linux", "amd64", List.of(evil), true, i -> { });
        assertRefused(layout, "leads outside the image's root");
    }

    @Test
    void shouldRefuseAnAbsoluteEntry() throws Exception {
        Path layout = dir.resolve("layout");
        TestImages.ociLayout(layout, "linux", "amd64", List.of(new Layer().file("/etc/passwd", "x").tar()), true, i -> { });
        assertRefused(layout, "has an absolute path");
    }

    @Test
    void shouldRefuseWhatIsNotAnImage() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertRefused(text, "is not an image");
        assertRefused(Files.createDirectories(dir.resolve("empty")), "not an OCI image layout");
        Path tar = dir.resolve("plain.tar");
        Files.write(tar, new Layer().file("readme", "x").tar());
        assertRefused(tar, "is not an image: a tar without oci-layout/index.json");
        assertRefused(dir.resolve("missing"), "does not exist");
    }

    private void assertRefused(Path source, String reason) throws Exception {
        ImageRefusedException e = assertThrows(ImageRefusedException.class,
                () -> new ImageImporter(MAX).unpack(source, store.resolve("img")));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertEquals(Set.of(), names(store), "nothing left in the store");
        assertEquals(Set.of(), names(outside).stream().filter(n -> !n.equals("secret")).collect(java.util.stream.Collectors.toSet()),
                "nothing written outside");
    }

    private static Set<String> names(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    /** The layout's blobs, largest first (the layers, before config and manifest). */
    private static List<Path> largestBlobs(Path layout) throws Exception {
        try (Stream<Path> s = Files.list(layout.resolve("blobs/sha256"))) {
            return s.sorted(java.util.Comparator.comparingLong((Path p) -> p.toFile().length()).reversed()).toList();
        }
    }
}
