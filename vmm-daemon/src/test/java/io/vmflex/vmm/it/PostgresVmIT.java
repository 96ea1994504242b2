package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The postgres image end to end: the VM from {@code examples/postgres-vm.yaml} boots, PostgreSQL
 * answers a host client on the VM's address with the credentials from the spec's env, and a
 * pgbench run keeps going without errors while vmmd hot-plugs a vCPU and memory into the guest.
 * The env reaches the guest as {@code vmflex.env=<base64>} on the kernel command line, appended
 * here through {@code spec.guest.appendKernelCmdline} until vmmd passes it itself.
 */
@Tag("qemu")
class PostgresVmIT {
    private static final String VM = "postgres-vm";
    private static final String BRIDGE = "vmftbr2";
    private static final Pattern READY = Pattern.compile("vmflex-guest: postgres ready on ([0-9.]+):5432");
    private static final long SLOT_KB = 256 * 1024;
    private static final Daemons daemons = Daemons.inTempDir("vmfx-pg", VM);
    private static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Requirements.skipIf(PostgresVmIT.class, missingPrerequisite());
        daemon = daemons.start(new TestDaemon(daemons.root(), "node-pg", Guest.imageDir())
                .withNetwork(BRIDGE + ",10.74.0.0/24,vmpg"));
    }

    @AfterAll
    static void stop() throws Exception {
        daemons.close();
        if (daemon != null) {
            new ProcessBuilder("ip", "link", "del", BRIDGE).start().waitFor();
        }
    }

    private static Optional<String> missingPrerequisite() {
        if (!Files.isRegularFile(Guest.imageDir().resolve("postgres/manifest.json"))) {
            return Optional.of("postgres image not built in " + Guest.imageDir() + " (run rootfs/build-postgres-image.sh)");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"))) {
            return Optional.of("qemu-system-x86_64 not installed");
        }
        if (!Requirements.isRoot()) {
            return Optional.of("needs root for bridges and taps");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/psql")) || !Files.isExecutable(Path.of("/usr/bin/pgbench"))) {
            return Optional.of("psql/pgbench not installed (apt-get install postgresql-client)");
        }
        return Optional.empty();
    }

    /** The example VM with its env also passed on the kernel command line. */
    private static ObjectNode exampleWithEnvOnCmdline(Map<String, String> env) throws IOException {
        ObjectNode vm = (ObjectNode) new YAMLMapper().readTree(Files.readString(Guest.example("postgres-vm.yaml")));
        ObjectNode guest = (ObjectNode) vm.path("spec").path("guest");
        StringBuilder lines = new StringBuilder();
        for (JsonNode e : guest.path("env")) {
            env.put(e.path("name").asText(), e.path("value").asText());
            lines.append(e.path("name").asText()).append('=').append(e.path("value").asText()).append('\n');
        }
        guest.put("appendKernelCmdline", "vmflex.env="
                + Base64.getEncoder().encodeToString(lines.toString().getBytes(StandardCharsets.UTF_8)));
        return vm;
    }

    private static String console() throws IOException {
        return daemon.http().get("/v1/vms/" + VM + "/console").body();
    }

    private record Result(int exit, String output) {
    }

    private static Result run(Map<String, String> env, Duration timeout, String... cmd) throws Exception {
        Process p = start(env, cmd);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static Process start(Map<String, String> env, String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void shouldServeClientsAndKeepPgbenchRunningWhileCpuAndMemoryArePlugged() throws Exception {
        Map<String, String> spec = new HashMap<>();
        ObjectNode vm = exampleWithEnvOnCmdline(spec);
        UnixHttp.Response created = daemon.http().send("POST", "/v1/vms", "application/json",
                new ObjectMapper().writeValueAsString(vm));
        assertEquals(201, created.status(), created.body());
        long t0 = System.nanoTime();
        JsonNode running = Guest.awaitPhase(daemon.http(), VM, "Running", Duration.ofSeconds(60));
        String ip = running.path("status").path("extraNetIP").asText();

        String[] readyOn = new String[1];
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Matcher m = READY.matcher(console());
            return m.find() && (readyOn[0] = m.group(1)) != null;
        });
        System.err.printf("PostgresVmIT: postgres ready %.1f s after create%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(ip, readyOn[0], "the guest listens on another address than vmmd gave it");
        assertTrue(console().contains("vmflex-guest: postgres cgroup /workload"), "postmaster not in the workload cgroup");

        Map<String, String> pg = Map.of("PGHOST", ip, "PGUSER", spec.get("POSTGRES_USER"),
                "PGPASSWORD", spec.get("POSTGRES_PASSWORD"), "PGDATABASE", spec.get("POSTGRES_DB"),
                "PGCONNECT_TIMEOUT", "10");
        Result who = run(pg, Duration.ofSeconds(30), "psql", "-X", "-At", "-c", "select current_user || ' ' || current_database()");
        assertEquals(0, who.exit(), who.output());
        assertEquals(spec.get("POSTGRES_USER") + " " + spec.get("POSTGRES_DB"), who.output().strip());
        Result wrong = run(Map.of("PGHOST", ip, "PGUSER", spec.get("POSTGRES_USER"), "PGPASSWORD", "wrong",
                "PGDATABASE", spec.get("POSTGRES_DB")), Duration.ofSeconds(30), "psql", "-X", "-c", "select 1");
        assertTrue(wrong.exit() != 0 && wrong.output().contains("password authentication failed"), wrong.output());

        Result init = run(pg, Duration.ofSeconds(90), "pgbench", "-i", "-s", "1");
        assertEquals(0, init.exit(), init.output());

        Guest.Report before = Guest.awaitReport(daemon.http(), VM, Duration.ofSeconds(10), r -> r.cpus() == 1);
        Process bench = start(pg, "pgbench", "-c", "4", "-T", "20");
        Thread.sleep(3000);
        UnixHttp.Response scaled = daemon.http().send("PATCH", "/v1/vms/" + VM, "application/merge-patch+json",
                "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2},\"memorySlots\":{\"use\":4}}}}");
        assertEquals(200, scaled.status(), scaled.body());
        Guest.Report after = Guest.awaitReport(daemon.http(), VM, Duration.ofSeconds(30),
                r -> r.cpus() == 2 && r.memTotalKb() >= before.memTotalKb() + 2 * SLOT_KB);
        assertEquals(before.memTotalKb() + 2 * SLOT_KB, after.memTotalKb(), "each plugged MiB adds 1024 kB to MemTotal");
        assertTrue(bench.isAlive(), "pgbench ended before the resize was seen in the guest");

        assertTrue(bench.waitFor(60, TimeUnit.SECONDS), "pgbench did not finish");
        String out = new String(bench.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.err.println("PostgresVmIT pgbench:\n" + out);
        assertEquals(0, bench.exitValue(), out);
        assertTrue(out.contains("number of failed transactions: 0 "), out);
        List<String> errors = out.lines()
                .filter(l -> l.contains("error") || l.contains("connection to server") || l.contains("FATAL")).toList();
        assertTrue(errors.isEmpty(), "pgbench reported errors: " + errors);

        // The guest monitor runs in this image too and sees PostgreSQL's cgroup.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            var m = daemon.http().get("/v1/vms/" + VM + "/metrics").json();
            return "Connected".equals(m.path("channel").asText()) && m.path("metrics").path("workloadAnonBytes").asLong() > 0
                    && m.path("metrics").path("cpusOnline").asInt() == 2;
        });

        // PGDATA is on the example's data disk: what was committed survives QEMU killed under the
        // daemon (the restart policy boots the VM again, PostgreSQL recovers from its WAL on the disk).
        assertTrue(console().contains("vmflex-guest: postgres data initialised on the data disk"), console());
        Result put = run(pg, Duration.ofSeconds(30), "psql", "-X", "-v", "ON_ERROR_STOP=1", "-c",
                "create table kept (v text); insert into kept values ('written before the kill')");
        assertEquals(0, put.exit(), put.output());
        int pid = daemon.http().get("/v1/vms/" + VM).json().path("status").path("pid").asInt();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() ->
                READY.matcher(console()).results().count() >= 2);
        assertTrue(console().contains("vmflex-guest: postgres data reused on the data disk"), console());
        Result got = run(pg, Duration.ofSeconds(30), "psql", "-X", "-At", "-c",
                "select v from kept; select count(*) from pgbench_accounts");
        assertEquals(0, got.exit(), got.output());
        assertEquals("written before the kill\n100000", got.output().strip());
    }
}
