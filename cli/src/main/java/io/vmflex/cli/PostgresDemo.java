package io.vmflex.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.client.AdminClient;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL half of {@code vmflex demo}: a private vmmd with its own bridge boots
 * examples/postgres-vm.yaml, pgbench runs against the VM from the host, and the VM is scaled up by
 * hand while pgbench runs and back down after; every step prints what the guest reports.
 */
final class PostgresDemo {
    private static final Pattern REPORT = Pattern.compile("vmflex-guest: cpus=(\\d+) memtotal_kb=(\\d+)");
    private static final Pattern READY = Pattern.compile("vmflex-guest: postgres ready on ([0-9.]+):5432");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VM = "postgres-vm";

    private final Path root;
    private final Path images;
    private AdminClient api;

    PostgresDemo(Path root, Path images) {
        this.root = root;
        this.images = images;
    }

    private record Guest(int cpus, long memTotalKb) {
        @Override
        public String toString() {
            return "cpus=" + cpus + " MemTotal=" + (memTotalKb / 1024) + " MiB";
        }
    }

    int run() throws Exception {
        Path state = Files.createTempDirectory(Path.of("/tmp"), "vmflex-demo");
        VmmdConfig d = VmmdConfig.defaults("demo-node");
        VmmdConfig config = new VmmdConfig(state, state.resolve("vmmd.sock"), "demo-node", images, d.qemuBinary(),
                null, d.socketMode(), d.devKvm(), null, "vmflex-demo", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(),
                new VmmdConfig.Network("vmfdbr0", "10.73.0.0/24", "vmfd"));
        DemoCommand.say("starting vmmd (state " + state + ", bridge vmfdbr0 10.73.0.0/24)");
        try (Vmmd vmmd = Vmmd.start(config); AdminClient client = new AdminClient(config.socket())) {
            api = client;
            Path manifest = root.resolve("examples/postgres-vm.yaml");
            var created = api.request("PUT", "/v1/vms/" + VM, "application/yaml", Files.readAllBytes(manifest));
            if (created.status() != 201) {
                throw new IllegalStateException("create failed: " + new String(created.body(), StandardCharsets.UTF_8));
            }
            DemoCommand.say("applied " + manifest.getFileName() + ": cpus 1..4 (use 1), memory slots 2..8 x 256Mi (use 2)");
            long t0 = System.nanoTime();
            String ip = awaitConsole(READY, Duration.ofSeconds(180)).group(1);
            DemoCommand.say("PostgreSQL ready on " + ip + ":5432 " + ms(t0) + " ms after create; guest reports " + guest(g -> true));
            Map<String, String> env = Map.of("PGHOST", ip, "PGUSER", "app", "PGPASSWORD", "change-me", "PGDATABASE", "appdb");
            DemoCommand.say("psql: " + run(env, "psql", "-Atc", "select version()").lines().findFirst().orElse(""));
            run(env, "pgbench", "-i", "-s", "2");
            DemoCommand.say("pgbench -c 4 -T 40 -P 10 running from the host; scaling while it runs");
            Process bench = start(env, "pgbench", "-c", "4", "-T", "40", "-P", "10");
            Thread out = Thread.ofVirtual().start(() -> pipe(bench));
            Thread.sleep(8000);
            step("cpus use 1 -> 2", "/spec/guest/cpus/use", 2, g -> g.cpus() == 2);
            Guest before = guest(g -> true);
            step("memory slots use 2 -> 4", "/spec/guest/memorySlots/use", 4, g -> g.memTotalKb() >= before.memTotalKb() + 500 * 1024);
            int exit = bench.waitFor();
            out.join();
            DemoCommand.say("pgbench exited " + exit + (exit == 0 ? " (no connection was dropped)" : ""));
            step("cpus use 2 -> 1", "/spec/guest/cpus/use", 1, g -> g.cpus() == 1);
            step("memory slots use 4 -> 2", "/spec/guest/memorySlots/use", 2, g -> g.memTotalKb() <= before.memTotalKb() + 1024);
            api.request("DELETE", "/v1/vms/" + VM, null, null);
            DemoCommand.say("deleted the VM; stopping vmmd");
        }
        return 0;
    }

    private void step(String what, String path, int value, Predicate<Guest> done) throws Exception {
        long t0 = System.nanoTime();
        var r = api.request("PATCH", "/v1/vms/" + VM, "application/json-patch+json",
                ("[{\"op\":\"replace\",\"path\":\"" + path + "\",\"value\":" + value + "}]").getBytes(StandardCharsets.UTF_8));
        if (r.status() != 200) {
            throw new IllegalStateException("patch failed: " + new String(r.body(), StandardCharsets.UTF_8));
        }
        Guest g = guest(done);
        DemoCommand.say(String.format("%-24s -> guest reports %s after %d ms", what, g, ms(t0)));
    }

    private String console() throws Exception {
        return new String(api.request("GET", "/v1/vms/" + VM + "/console?tail=200", null, null).body(), StandardCharsets.UTF_8);
    }

    private Matcher awaitConsole(Pattern p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(console());
            if (m.find()) {
                return m;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the guest did not print " + p.pattern() + " within " + timeout.toSeconds() + " s");
    }

    private Guest guest(Predicate<Guest> ok) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            Guest last = null;
            Matcher m = REPORT.matcher(console());
            while (m.find()) {
                last = new Guest(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
            }
            if (last != null && ok.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the guest did not report the expected state in time");
    }

    private static Process start(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String run(Map<String, String> env, String... cmd) throws Exception {
        Process p = start(env, cmd);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
        }
        return out;
    }

    private static void pipe(Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> keep = new ArrayList<>();
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("progress:") || line.startsWith("tps") || line.contains("failed") || line.contains("error")) {
                    keep.add(line);
                    System.out.println("[pgbench] " + line);
                }
            }
        } catch (java.io.IOException ignored) {
            // pgbench ended
        }
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
