package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.netbridge.VmMac;
import io.vmflex.sys.Libc;
import io.vmflex.sys.netlink.MacAddress;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End to end on namespace nodes ({@code ci/nodes up 2}): a VM on node-1 runs an echo server, a
 * counter that keeps writing to tmpfs, and a 32 MiB random region in tmpfs. From the client
 * namespace one TCP connection streams bytes through the echo server and checks each one while
 * the VM moves node-1 → node-2 → node-1 over the VXLAN overlay ({@code vmctl migrate vm NAME --to
 * node-2 --wait}, then the API with a node name). The connection must survive without a reset or a
 * wrong byte, the counter must keep rising, the region's checksum must not change, the VM keeps
 * its IP and MAC and leaves the source each time. Prints the migrations' total time and downtime
 * and the client's longest gap. A second test does the same moves with the PostgreSQL image under
 * pgbench from the client namespace.
 */
@Tag("qemu")
class NodesMigrationIT {
    private static final String VM = "mig-net";
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path NODES = ROOT.resolve("ci/nodes");
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final Pattern REPORT = Pattern.compile("counter (\\d+) region ([0-9a-f]{32})");
    private static final Pattern VMCTL = Pattern.compile(
            "migration (\\S+) of .*: (\\w+) .*downtime (\\d+) ms \\(guest paused (\\d+) ms in all\\), total (\\d+) ms");
    private static final String GUEST_SCRIPT = String.join("; ",
            "mkdir -p /dev/shm", "mount -t tmpfs -o size=64m tmpfs /dev/shm",
            "dd if=/dev/urandom of=/dev/shm/region bs=1M count=32 2>/dev/null",
            "printf '#!/bin/sh\\necho counter $(cat /dev/shm/counter) region $(md5sum /dev/shm/region | cut -c1-32)\\n' > /run/report.sh",
            "chmod +x /run/report.sh", "echo 0 > /dev/shm/counter",
            "nc -ll -p 7001 -e /run/report.sh & nc -ll -p 7000 -e /bin/cat & echo vmflex-test: serving",
            "i=0; while true; do i=$((i+1)); echo $i > /dev/shm/counter; usleep 100000; done");

    private static boolean up;
    private static UnixHttp node1;
    private static UnixHttp node2;

    @BeforeAll
    static void boot() throws Exception {
        Optional<String> skip = Libc.getuid() != 0 ? Optional.of("not root (network namespaces)") : Guest.missingImage();
        skip.ifPresent(why -> System.err.println("SKIPPED NodesMigrationIT: " + why));
        assumeTrue(skip.isEmpty(), () -> skip.orElse(""));
        run(Duration.ofSeconds(60), NODES.toString(), "down");
        up = true;
        run(Duration.ofMinutes(15), NODES.toString(), "up", "2");
        node1 = new UnixHttp(Path.of("/run/vmflex/node-1/vmmd.sock"));
        node2 = new UnixHttp(Path.of("/run/vmflex/node-2/vmmd.sock"));
    }

    @AfterAll
    static void down() throws Exception {
        if (up) {
            System.out.println("node-1 log tail:\n" + tail(Path.of("/var/lib/vmflex-nodes/node-1/vmmd.log")));
            System.out.println("node-2 log tail:\n" + tail(Path.of("/var/lib/vmflex-nodes/node-2/vmmd.log")));
            run(Duration.ofSeconds(60), NODES.toString(), "down");
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Runs a command, returns its output; fails on a non-zero exit. */
    private static String run(Duration timeout, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("VMFLEX_IMAGES", Guest.imageDir().toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + text);
        }
        return text;
    }

    private static List<String> clientJava(String... args) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", "vmfx-client",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), StreamClient.class.getName()));
        c.addAll(List.of(args));
        return c;
    }

    private record Report(long counter, String region) {
    }

    /** The guest's counter and region checksum, fetched over the overlay from the client namespace. */
    private static Report report(String ip) throws Exception {
        String out = run(Duration.ofSeconds(60), clientJava("get", ip, "7001").toArray(String[]::new));
        Matcher m = REPORT.matcher(out);
        assertTrue(m.find(), "guest report: " + out);
        return new Report(Long.parseLong(m.group(1)), m.group(2));
    }

    /** @param pausedMs the guest's whole pause, until it ran on the target (status.migration.switchoverMs) */
    private record Moved(String id, long downtimeMs, long pausedMs, long totalMs) {
        Moved {
            assertTrue(pausedMs > downtimeMs, "the pause includes QEMU's downtime and the commit: " + this);
        }
    }

    private static Moved vmctlMigrate(String fromNode, String to) throws Exception {
        String out = run(Duration.ofMinutes(10), ROOT.resolve("vmflex").toString(), "vmctl", "--socket",
                "/run/vmflex/" + fromNode + "/vmmd.sock", "migrate", "vm", VM, "--to", to, "--wait");
        System.out.println("vmctl: " + out.strip());
        Matcher m = VMCTL.matcher(out);
        assertTrue(m.find() && m.group(2).equals("Completed"), out);
        return new Moved(m.group(1), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
    }

    private static Moved apiMigrate(UnixHttp from, String to) throws Exception {
        return apiMigrate(from, VM, to);
    }

    private static Moved apiMigrate(UnixHttp from, String vm, String to) throws Exception {
        UnixHttp.Response r = from.send("POST", "/v1/vms/" + vm + "/migrate?wait=true", "application/json",
                "{\"target\":\"" + to + "\",\"downtimeLimitMs\":300,\"maxBandwidthMbps\":10000}");
        assertEquals(200, r.status(), r.body());
        JsonNode st = r.json();
        System.out.println("api migrate: " + st);
        assertEquals("Completed", st.path("phase").asText(), st.toString());
        return new Moved(st.path("id").asText(), st.path("downtimeMs").asLong(), st.path("switchoverMs").asLong(),
                st.path("totalMs").asLong());
    }

    /** The MAC the client namespace has for {@code ip} in its neighbour table. */
    private static String clientNeighbourMac(String ip) throws Exception {
        String out = run(Duration.ofSeconds(10), "ip", "-n", "vmfx-client", "-j", "neigh", "show", ip);
        JsonNode n = ApiMapper.json().readTree(out);
        return n.isArray() && !n.isEmpty() ? n.get(0).path("lladdr").asText() : "";
    }

    /** The underlay address the client's VXLAN last learned {@code mac} behind. */
    private static String clientLearnedVtep(String mac) throws Exception {
        String out = run(Duration.ofSeconds(10), "bridge", "-n", "vmfx-client", "-j", "fdb", "show", "dev", "vmfxvx0");
        for (JsonNode e : ApiMapper.json().readTree(out)) {
            if (mac.equals(e.path("mac").asText()) && e.has("dst")) {
                return e.get("dst").asText();
            }
        }
        return "";
    }

    private static void assertGoneFrom(UnixHttp source, int qemuPid) throws Exception {
        assertEquals(404, source.get("/v1/vms/" + VM).status(), "VM still listed on the source");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !Guest.processRuns(qemuPid));
    }

    @Test
    void shouldKeepAClientsTcpStreamCounterAndMemoryAcrossMigrationsThereAndBack() throws Exception {
        ObjectNode vm = (ObjectNode) ApiMapper.yaml().readTree(Files.readString(Guest.example("test-vm.yaml")));
        ((ObjectNode) vm.get("metadata")).put("name", VM);
        ObjectNode guest = (ObjectNode) vm.get("spec").get("guest");
        // 512 MiB: the guest monitor's JVM plus the 32 MiB region stay clear of memory pressure.
        ((ObjectNode) guest.get("memorySlots")).put("min", 4).put("use", 4);
        guest.putArray("command").add("/bin/sh").add("-c");
        guest.putArray("args").add(GUEST_SCRIPT);
        UnixHttp.Response created = node1.send("POST", "/v1/vms", "application/json", vm.toString());
        assertEquals(201, created.status(), created.body());
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500))
                .until(() -> node1.get("/v1/vms/" + VM + "/console").body().contains("vmflex-test: serving"));
        JsonNode st1 = Guest.awaitPhase(node1, VM, "Running", STEP).path("status");
        String ip = st1.path("extraNetIP").asText();
        int pid1 = st1.path("pid").asInt();
        assertTrue(ip.matches("10\\.78\\.0\\.(2\\d|3\\d)"), "node-1 gives addresses from its range: " + ip);
        String mac = MacAddress.format(VmMac.of(VM));

        UnixHttp.Response unknown = node1.send("POST", "/v1/vms/" + VM + "/migrate", "application/json",
                "{\"target\":\"node-9\"}");
        assertEquals(400, unknown.status(), unknown.body());
        assertTrue(unknown.body().contains("unknown node \\\"node-9\\\"") || unknown.body().contains("unknown node"), unknown.body());

        Report before = report(ip);
        assertEquals(mac, clientNeighbourMac(ip), "the client sees the VM's own MAC");

        Process client = new ProcessBuilder(clientJava("stream", ip, "7000")).redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // client gone
            }
        });
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> verifiedBytes(lines) > 20_000);

            // node-1 -> node-2 with vmctl and a node name
            Moved there = vmctlMigrate("node-1", "node-2");
            JsonNode st2 = Guest.awaitPhase(node2, VM, "Running", STEP).path("status");
            assertEquals(ip, st2.path("extraNetIP").asText(), "the VM keeps its IP on node-2");
            assertEquals("node-2", st2.path("node").asText());
            assertGoneFrom(node1, pid1);
            long atNode2 = verifiedBytes(lines);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> verifiedBytes(lines) > atNode2 + 20_000);
            assertEquals("10.231.0.12", clientLearnedVtep(mac), "announce-self taught the client where the VM is");
            Report onNode2 = report(ip);
            assertTrue(onNode2.counter() > before.counter(), before + " then " + onNode2);
            assertEquals(before.region(), onNode2.region(), "the memory region changed in the move");

            // node-2 -> node-1 through the API, by name again
            Moved back = apiMigrate(node2, "node-1");
            JsonNode st3 = Guest.awaitPhase(node1, VM, "Running", STEP).path("status");
            assertEquals(ip, st3.path("extraNetIP").asText(), "the VM keeps its IP back on node-1");
            assertGoneFrom(node2, st2.path("pid").asInt());
            long atNode1 = verifiedBytes(lines);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> verifiedBytes(lines) > atNode1 + 20_000);
            assertEquals("10.231.0.11", clientLearnedVtep(mac));
            Report after = report(ip);
            assertTrue(after.counter() > onNode2.counter(), onNode2 + " then " + after);
            assertEquals(before.region(), after.region(), "the memory region changed in the move back");
            assertEquals(mac, clientNeighbourMac(ip), "the VM keeps its MAC");

            try (OutputStream in = client.getOutputStream()) {
                in.write("stop\n".getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(client.waitFor(90, TimeUnit.SECONDS), "client did not finish: " + lines);
            String result = lines.stream().filter(l -> l.startsWith("result ")).findFirst().orElse("no result: " + lines);
            System.out.printf("NodesMigrationIT: node-1->node-2 total %d ms downtime %d ms paused %d ms; node-2->node-1 total %d ms"
                    + " downtime %d ms paused %d ms; client %s%n", there.totalMs(), there.downtimeMs(), there.pausedMs(),
                    back.totalMs(), back.downtimeMs(), back.pausedMs(), result);
            assertTrue(result.endsWith("error=none"), result);
            assertEquals(0, client.exitValue(), result);
        } finally {
            client.destroyForcibly();
        }
    }

    /**
     * The PostgreSQL image ({@code examples/postgres-vm.yaml}) on node-1; pgbench with 4 clients runs
     * from the client namespace over the overlay while the VM moves to node-2 and back: no failed
     * transaction, no lost connection.
     */
    @Test
    void shouldKeepPgbenchRunningWithoutAFailedTransactionAcrossMigrationsThereAndBack() throws Exception {
        Optional<String> skip = !Files.isRegularFile(Guest.imageDir().resolve("postgres/manifest.json"))
                ? Optional.of("postgres image not built (rootfs/build-postgres-image.sh)")
                : !Files.isExecutable(Path.of("/usr/bin/pgbench")) ? Optional.of("pgbench not installed") : Optional.empty();
        skip.ifPresent(why -> System.err.println("SKIPPED NodesMigrationIT postgres: " + why));
        assumeTrue(skip.isEmpty(), () -> skip.orElse(""));
        String name = "pg-mig";
        ObjectNode vm = (ObjectNode) ApiMapper.yaml().readTree(Files.readString(Guest.example("postgres-vm.yaml")));
        ((ObjectNode) vm.get("metadata")).put("name", name);
        UnixHttp.Response created = node1.send("POST", "/v1/vms", "application/json", vm.toString());
        assertEquals(201, created.status(), created.body());
        String ip = Guest.awaitPhase(node1, name, "Running", STEP).path("status").path("extraNetIP").asText();
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500))
                .until(() -> node1.get("/v1/vms/" + name + "/console").body().contains("postgres ready on " + ip));
        List<String> pg = List.of("ip", "netns", "exec", "vmfx-client", "env", "PGHOST=" + ip, "PGUSER=app",
                "PGPASSWORD=change-me", "PGDATABASE=appdb", "PGCONNECT_TIMEOUT=10");
        List<String> init = new ArrayList<>(pg);
        init.addAll(List.of("pgbench", "-i", "-s", "1", "-q"));
        run(Duration.ofSeconds(120), init.toArray(String[]::new));

        List<String> load = new ArrayList<>(pg);
        load.addAll(List.of("pgbench", "-c", "4", "-T", "45", "-P", "5"));
        Process bench = new ProcessBuilder(load).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(bench.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // pgbench gone
            }
        });
        try {
            Thread.sleep(5000);
            Moved there = apiMigrate(node1, name, "node-2");
            Guest.awaitPhase(node2, name, "Running", STEP);
            Thread.sleep(5000);
            Moved back = apiMigrate(node2, name, "node-1");
            Guest.awaitPhase(node1, name, "Running", STEP);
            if (!bench.isAlive()) {
                reader.join(Duration.ofSeconds(10));
                throw new AssertionError("pgbench ended (exit " + bench.exitValue() + ") before both moves were over:\n" + out);
            }
            assertTrue(bench.waitFor(120, TimeUnit.SECONDS), "pgbench did not finish");
            reader.join(Duration.ofSeconds(10));
            System.out.printf("NodesMigrationIT postgres: node-1->node-2 total %d ms downtime %d ms paused %d ms;"
                            + " node-2->node-1 total %d ms downtime %d ms paused %d ms; pgbench:%n%s%n", there.totalMs(),
                    there.downtimeMs(), there.pausedMs(), back.totalMs(), back.downtimeMs(), back.pausedMs(), out);
            assertEquals(0, bench.exitValue(), out.toString());
            assertTrue(out.toString().contains("number of failed transactions: 0 "), out.toString());
            List<String> errors = out.toString().lines()
                    .filter(l -> l.contains("error") || l.contains("connection to server") || l.contains("FATAL")).toList();
            assertTrue(errors.isEmpty(), "pgbench reported errors: " + errors);

            // PGDATA is on the VM's data disk, which moved with it: every transaction pgbench saw
            // committed (each adds one pgbench_history row), those of both moves included, is there
            // once more on node-2, and a delete there shuts PostgreSQL down cleanly and takes the disk.
            Matcher processed = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(out);
            assertTrue(processed.find(), out.toString());
            apiMigrate(node1, name, "node-2");
            Guest.awaitPhase(node2, name, "Running", STEP);
            List<String> count = new ArrayList<>(pg);
            count.addAll(List.of("psql", "-X", "-At", "-c", "select count(*) from pgbench_history"));
            assertEquals(processed.group(1), run(Duration.ofSeconds(60), count.toArray(String[]::new)).strip(),
                    "committed rows on node-2");
            Path disk = Path.of("/var/lib/vmflex-nodes/node-2/vms", name, "disk-pgdata.raw");
            assertTrue(Files.exists(disk), "the data disk on node-2: " + disk);
            assertEquals(200, node2.send("DELETE", "/v1/vms/" + name, null, null).status());
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> node2.get("/v1/vms/" + name).status() == 404);
            assertFalse(Files.exists(disk), "the data disk outlived its VM");
        } finally {
            bench.destroyForcibly();
            node1.send("DELETE", "/v1/vms/" + name, null, null);
            node2.send("DELETE", "/v1/vms/" + name, null, null);
        }
    }

    private static long verifiedBytes(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            Matcher m = Pattern.compile("verified=(\\d+)").matcher(lines.get(i));
            if (m.find()) {
                if (lines.get(i).startsWith("result ") && !lines.get(i).endsWith("error=none")) {
                    throw new AssertionError("client stream broke: " + lines.get(i));
                }
                return Long.parseLong(m.group(1));
            }
        }
        return 0;
    }
}
