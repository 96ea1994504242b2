package io.vmflex.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.client.AdminClient;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A PostgreSQL container image built here with Debian's buildah, no Docker engine
 * ({@code rootfs/oci/build-postgres-container.sh}: PostgreSQL 15 and the ip4r extension package
 * over a debootstrap root, as an OCI archive), through {@code vmflex image build --from} and booted
 * by the real daemon under QEMU with a NIC: the image's entrypoint runs as its user and starts
 * PostgreSQL with the password from the spec's env, {@code psql} on the host answers on the VM's
 * address and creates the extension, the guest monitor reports the workload's memory, and the VM
 * gets a second vCPU and 512 MiB more while PostgreSQL keeps answering.
 */
@Tag("qemu")
class PostgresContainerIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final Path ARCHIVE = Path.of(System.getProperty("vmflex.containers", IMAGES.getParent().resolve("containers").toString()))
            .toAbsolutePath().normalize().resolve("postgres-15-ip4r.oci.tar");
    private static final String VM = "pg-container";
    private static final String BRIDGE = "vmfpbr0";
    private static final String PASSWORD = "it's a secret";
    private static final long SLOT_KB = 256 * 1024;
    private static final Pattern REPORT = Pattern.compile("vmflex-guest: cpus=(\\d+) memtotal_kb=(\\d+) ");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path work;
    private Process daemon;
    private AdminClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.request("DELETE", "/v1/vms/" + VM, null, null);
            Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> JSON.readTree(client.request("GET", "/v1/vms", null, null).body()).path("items").isEmpty());
            client.close();
        }
        if (daemon != null) {
            daemon.destroy();
            daemon.waitFor();
            new ProcessBuilder("ip", "link", "del", BRIDGE).start().waitFor();
        }
        if (work != null) {
            // The image store is 300 MiB a run; the daemon's log and the console stay for a look after a failure.
            try (Stream<Path> paths = Files.walk(work.resolve("images"))) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String missingPrerequisite() {
        if (!Files.isRegularFile(IMAGES.resolve("postgres/initrd.img"))) {
            return "postgres image not built in " + IMAGES + " (rootfs/build-postgres-image.sh)";
        }
        if (!Files.isRegularFile(IMAGES.resolve("test/monitor.img"))) {
            return "test image not built in " + IMAGES + " (rootfs/build-test-image.sh)";
        }
        if (!Files.isRegularFile(ARCHIVE)) {
            return "no " + ARCHIVE + " (rootfs/oci/build-postgres-container.sh)";
        }
        if (!Files.isExecutable(Path.of("/usr/bin/psql"))) {
            return "psql not installed (apt-get install postgresql-client)";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "needs root for the bridge and the tap";
        }
        return null;
    }

    @Test
    void shouldBootABuildahPostgresImageAnswerPsqlReportMetricsAndResize() throws Exception {
        String skip = missingPrerequisite();
        if (skip != null) {
            System.err.println("SKIPPED PostgresContainerIT: " + skip);
        }
        assumeTrue(skip == null, skip);
        work = Files.createTempDirectory(Path.of("/tmp"), "vmfx-pgc");
        Path store = Files.createDirectories(work.resolve("images"));
        for (String f : List.of("postgres/vmlinuz", "postgres/initrd.img", "test/monitor.img")) {
            Files.createDirectories(store.resolve(f).getParent());
            Files.copy(IMAGES.resolve(f), store.resolve(f));
        }

        long t0 = System.nanoTime();
        Result built = vmflex("image", "build", "--from", ARCHIVE.toString(), "pgc", "--images", store.toString());
        long buildMillis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, built.exit(), built.output());
        JsonNode manifest = JSON.readTree(store.resolve("pgc/manifest.json").toFile());
        assertEquals("oci-archive", manifest.path("source").path("format").asText());
        assertEquals(archiveManifestDigest(), manifest.path("source").path("digest").asText(), "the image records which manifest it came from");
        System.err.printf("PostgresContainerIT: image build --from %d ms, archive %d MiB, rootfs.img %d MiB%n", buildMillis,
                Files.size(ARCHIVE) >> 20, Files.size(store.resolve("pgc/rootfs.img")) >> 20);

        Path socket = work.resolve("vmmd.sock");
        daemon = new ProcessBuilder(java(), "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.vmflex.cli.Main", "daemon", "--state-dir", work.resolve("state").toString(),
                "--socket", socket.toString(), "--node-name", "node-pgc", "--bridge", BRIDGE, "--vm-network", "10.79.0.0/24",
                "--tap-prefix", "vmpc", "--image-dir", store.toString(), "--cgroup-parent", "vmflex-test-pgc")
                .redirectErrorStream(true).redirectOutput(work.resolve("daemon.log").toFile()).start();
        Awaitility.await("daemon").atMost(Duration.ofSeconds(60)).until(() -> Files.exists(socket));
        client = new AdminClient(socket, Duration.ofSeconds(10));
        long created = System.nanoTime();
        client.request("POST", "/v1/vms", "application/json", """
                {"apiVersion":"vm.neon.tech/v1","kind":"VirtualMachine","metadata":{"name":"%s"},
                 "spec":{"guest":{"cpus":{"min":1,"use":1,"max":2},"memorySlotSize":"256Mi",
                   "memorySlots":{"min":2,"use":2,"max":4},"rootDisk":{"image":"pgc"},
                   "env":[{"name":"POSTGRES_PASSWORD","value":"%s"}]}}}""".formatted(VM, PASSWORD)
                .getBytes(StandardCharsets.UTF_8)).requireSuccess();

        awaitConsole("vmflex-guest: workload started (user postgres, dir /var/lib/postgresql)");
        awaitConsole("postgres-entrypoint: cluster made in /tmp/pgdata");
        awaitConsole("database system is ready to accept connections");
        System.err.printf("PostgresContainerIT: PostgreSQL ready %.1f s after create%n", (System.nanoTime() - created) / 1e9);
        String ip = JSON.readTree(client.request("GET", "/v1/vms/" + VM, null, null).body()).path("status").path("extraNetIP").asText();
        assertTrue(ip.startsWith("10.79.0."), "VM address " + ip);

        Map<String, String> pg = Map.of("PGHOST", ip, "PGUSER", "postgres", "PGPASSWORD", PASSWORD, "PGDATABASE", "postgres",
                "PGCONNECT_TIMEOUT", "10");
        Result ext = psql(pg, "-c", "create extension ip4r", "-c", "select '10.0.0.0/8'::ip4r >>= '10.1.2.3'::ip4, current_setting('server_version_num')");
        assertEquals(0, ext.exit(), ext.output());
        assertTrue(ext.output().lines().anyMatch(l -> l.matches("t\\|150\\d+")), ext.output());
        Result wrong = psql(Map.of("PGHOST", ip, "PGUSER", "postgres", "PGPASSWORD", "wrong", "PGDATABASE", "postgres"), "-c", "select 1");
        assertTrue(wrong.exit() != 0 && wrong.output().contains("password authentication failed"), wrong.output());

        Awaitility.await("guest monitor reports the workload").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> {
                    JsonNode m = JSON.readTree(client.request("GET", "/v1/vms/" + VM + "/metrics", null, null).body());
                    return "Connected".equals(m.path("channel").asText()) && m.path("metrics").path("workloadAnonBytes").asLong() > 0;
                });

        long memBefore = lastReport()[1];
        client.request("PATCH", "/v1/vms/" + VM, "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2},\"memorySlots\":{\"use\":4}}}}".getBytes(StandardCharsets.UTF_8)).requireSuccess();
        Awaitility.await("2 vCPUs and 512 MiB more in the guest").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> lastReport()[0] == 2 && lastReport()[1] >= memBefore + 2 * SLOT_KB);
        assertEquals(memBefore + 2 * SLOT_KB, lastReport()[1], "each plugged MiB adds 1024 kB to MemTotal");
        Awaitility.await("the monitor sees 2 CPUs").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> JSON.readTree(client.request("GET", "/v1/vms/" + VM + "/metrics", null, null).body())
                        .path("metrics").path("cpusOnline").asInt() == 2);
        Result after = psql(pg, "-c", "select extversion from pg_extension where extname = 'ip4r'");
        assertEquals(0, after.exit(), after.output());
        assertFalse(after.output().isBlank(), "ip4r still there after the resize");
    }

    /** The digest of the manifest the archive's index.json names: what the image store must record. */
    private static String archiveManifestDigest() throws IOException {
        try (InputStream in = Files.newInputStream(ARCHIVE); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.getName().equals("index.json") || e.getName().equals("./index.json")) {
                    return JSON.readTree(tar.readAllBytes()).path("manifests").path(0).path("digest").asText();
                }
            }
        }
        throw new AssertionError("no index.json in " + ARCHIVE);
    }

    private long[] lastReport() throws IOException {
        Matcher m = REPORT.matcher(console());
        long[] last = {0, 0};
        while (m.find()) {
            last = new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        }
        return last;
    }

    private String console() throws IOException {
        Path log = work.resolve("state/vms/" + VM + "/console.log");
        return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1) : "";
    }

    private void awaitConsole(String line) {
        Awaitility.await("console shows \"" + line + "\"").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .until(() -> console().contains(line));
    }

    private record Result(int exit, String output) {
    }

    private static Result psql(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("psql", "-X", "-At", "-v", "ON_ERROR_STOP=1"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("psql did not finish within 30 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
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
}
