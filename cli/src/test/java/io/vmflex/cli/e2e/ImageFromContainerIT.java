package io.vmflex.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.client.AdminClient;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import io.vmflex.image.testing.LocalRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vmflex image build --from} with a container image made here byte by byte (an OCI layout:
 * Debian's static busybox, a user {@code app}, entrypoint + cmd + env + working dir + user in its
 * config), booted by the real daemon under QEMU: the image's entrypoint runs as its user, in its
 * working directory, with the spec's env over the image's; a spec command replaces it; the guest
 * monitor connects; the VM resizes live. A linux/arm64 image is refused with its reason and leaves
 * the store as it was.
 */
@Tag("qemu")
class ImageFromContainerIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path work;
    private Process daemon;
    private AdminClient client;
    private LocalRegistry registry;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            for (String vm : List.of("oci-a", "oci-b")) {
                client.request("DELETE", "/v1/vms/" + vm, null, null);
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> JSON.readTree(client.request("GET", "/v1/vms", null, null).body()).path("items").isEmpty());
            client.close();
        }
        if (daemon != null) {
            daemon.destroy();
            daemon.waitFor();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void shouldBootAContainerImageRunItsEntrypointAndResizeIt() throws Exception {
        String skip = !Files.isRegularFile(IMAGES.resolve("postgres/initrd.img")) ? "postgres image not built in " + IMAGES
                : !Files.isRegularFile(IMAGES.resolve("test/monitor.img")) ? "test image not built in " + IMAGES
                : !Files.isRegularFile(Path.of("/bin/busybox")) ? "no /bin/busybox (busybox-static)" : null;
        if (skip != null) {
            System.err.println("SKIPPED ImageFromContainerIT: " + skip);
        }
        assumeTrue(skip == null, skip);
        work = Files.createTempDirectory(Path.of("/tmp"), "vmfx-oci");
        Path store = Files.createDirectories(work.resolve("images"));
        for (String f : List.of("postgres/vmlinuz", "postgres/initrd.img", "test/monitor.img")) {
            Files.createDirectories(store.resolve(f).getParent());
            Files.copy(IMAGES.resolve(f), store.resolve(f));
        }

        Path arm = ociLayout(work.resolve("arm64"), "arm64");
        Set<String> before = list(store);
        Result refused = vmflex("image", "build", "--from", arm.toString(), "armimg", "--images", store.toString());
        assertEquals(1, refused.exit(), refused.output());
        assertTrue(refused.output().contains("image is for linux/arm64, vmflex runs linux/amd64 images only"), refused.output());
        assertEquals(before, list(store), "a refused image leaves the store as it was");

        Path layout = ociLayout(work.resolve("layout"), "amd64");
        Result built = vmflex("image", "build", "--from", layout.toString(), "ocitest", "--images", store.toString());
        assertEquals(0, built.exit(), built.output());
        JsonNode manifest = JSON.readTree(store.resolve("ocitest/manifest.json").toFile());
        assertEquals("oci-layout", manifest.path("source").path("format").asText());
        assertEquals(manifestDigest, manifest.path("source").path("digest").asText(), "the image records where it came from");

        // The same image by way of a registry (docker-registry on loopback, filled with skopeo): oci-b boots from it.
        String noRegistry = LocalRegistry.missing();
        String imageB = "ocitest";
        if (noRegistry != null) {
            System.err.println("ImageFromContainerIT: no " + noRegistry + " on PATH: oci-b boots from the layout's image, not a registry's");
        } else {
            registry = LocalRegistry.start(Files.createDirectories(work.resolve("registry")));
            registry.push("oci:" + layout, "vmflex/ocitest:1");
            Result pulled = vmflex("image", "build", "--from", registry.ref("vmflex/ocitest:1"), "ocireg", "--images", store.toString());
            assertEquals(0, pulled.exit(), pulled.output());
            JsonNode fromRegistry = JSON.readTree(store.resolve("ocireg/manifest.json").toFile());
            assertEquals("registry", fromRegistry.path("source").path("format").asText());
            assertEquals(registry.ref("vmflex/ocitest:1"), fromRegistry.path("source").path("ref").asText());
            assertEquals(manifestDigest, fromRegistry.path("source").path("digest").asText());
            Set<String> beforeMissing = list(store);
            Result unknown = vmflex("image", "build", "--from", registry.ref("vmflex/ocitest:2"), "ocinone", "--images", store.toString());
            assertEquals(1, unknown.exit(), unknown.output());
            assertTrue(unknown.output().contains("no such image"), unknown.output());
            assertEquals(beforeMissing, list(store), "a refused pull leaves the store as it was");
            imageB = "ocireg";
        }

        Path socket = work.resolve("vmmd.sock");
        daemon = new ProcessBuilder(java(), "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main", "daemon", "--state-dir", work.resolve("state").toString(),
                "--socket", socket.toString(), "--node-name", "node-oci", "--no-network", "--image-dir", store.toString(),
                "--cgroup-parent", "vmflex-test-oci").redirectErrorStream(true).redirectOutput(work.resolve("daemon.log").toFile()).start();
        Awaitility.await("daemon").atMost(Duration.ofSeconds(60)).until(() -> Files.exists(socket));
        client = new AdminClient(socket, Duration.ofSeconds(10));
        create("oci-a", "ocitest", "\"env\":[{\"name\":\"GREETING\",\"value\":\"from-spec\"}]");
        create("oci-b", imageB, "\"command\":[\"/bin/sh\",\"-c\"],\"args\":[\"echo override-ran uid=$(id -u) GREETING=$GREETING; sleep 3600\"]");

        awaitConsole("oci-a", "hello-from-entrypoint uid=1000 dir=/srv GREETING=from-spec IMAGE_ONLY=kept");
        awaitConsole("oci-b", "override-ran uid=1000 GREETING=from-image");
        Awaitility.await("guest monitor connected").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> JSON.readTree(client.request("GET", "/v1/vms/oci-a/metrics", null, null).body())
                        .toString().contains("Connected"));

        client.request("PATCH", "/v1/vms/oci-a", "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2}}}}".getBytes(StandardCharsets.UTF_8)).requireSuccess();
        awaitConsole("oci-a", "vmflex-guest: cpus=2 ");
    }

    private String manifestDigest;

    private void create(String name, String image, String guestExtra) {
        String vm = """
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"%s"},
                 "spec":{"guest":{"cpus":{"min":1,"use":1,"max":2},"memorySlotSize":"128Mi",
                   "memorySlots":{"min":4,"use":4,"max":6},"rootDisk":{"image":"%s"},%s}}}""".formatted(name, image, guestExtra);
        client.request("POST", "/v1/vms", "application/json", vm.getBytes(StandardCharsets.UTF_8)).requireSuccess();
    }

    private void awaitConsole(String vm, String line) {
        Path log = work.resolve("state/vms/" + vm + "/console.log");
        Awaitility.await(vm + " console shows \"" + line + "\"").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Files.exists(log) && new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1).contains(line));
    }

    /** An OCI layout of one gzip'd layer: static busybox as /bin/sh and friends, a user app, /srv. */
    private Path ociLayout(Path dir, String arch) throws Exception {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (String d : List.of("bin", "etc", "srv")) {
                TarArchiveEntry e = new TarArchiveEntry(d + "/");
                e.setMode(040755);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            file(tar, "bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755);
            for (String applet : List.of("sh", "id", "echo", "sleep", "pwd")) {
                TarArchiveEntry e = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
                e.setLinkName("busybox");
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            file(tar, "etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/srv:/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0644);
            file(tar, "etc/group", "root:x:0:\napp:x:1000:\n".getBytes(StandardCharsets.UTF_8), 0644);
        }
        byte[] layer = bytes.toByteArray();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(layer);
        }
        ObjectNode config = JSON.createObjectNode().put("os", "linux").put("architecture", arch);
        ObjectNode run = config.putObject("config");
        run.putArray("Entrypoint").add("/bin/sh").add("-c");
        run.putArray("Cmd").add("echo hello-from-entrypoint uid=$(id -u) dir=$(pwd) GREETING=$GREETING IMAGE_ONLY=$IMAGE_ONLY; sleep 3600");
        run.putArray("Env").add("PATH=/bin").add("GREETING=from-image").add("IMAGE_ONLY=kept");
        run.put("WorkingDir", "/srv").put("User", "app");
        config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add("sha256:" + sha(layer));
        byte[] configBytes = JSON.writeValueAsBytes(config);
        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
                .put("digest", blob(dir, configBytes)).put("size", configBytes.length);
        ArrayNode layers = manifest.putArray("layers");
        layers.addObject().put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
                .put("digest", blob(dir, gz.toByteArray())).put("size", gz.size());
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        manifestDigest = blob(dir, manifestBytes);
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
        index.putArray("manifests").addObject().put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                .put("digest", manifestDigest).put("size", manifestBytes.length);
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return dir;
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] data, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(0100000 | mode);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    private static String blob(Path dir, byte[] data) throws Exception {
        String hex = sha(data);
        Files.write(dir.resolve("blobs/sha256/" + hex), data);
        return "sha256:" + hex;
    }

    private static String sha(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private record Result(int exit, String output) {
    }

    private static Result vmflex(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-Dvmflex.home=" + REPO,
                "-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
