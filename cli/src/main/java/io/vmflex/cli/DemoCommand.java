package io.vmflex.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.client.AdminClient;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code vmflex demo}: starts a private vmmd, boots the test VM through its API, resizes it up and
 * down live, and prints what the guest itself reports after each step. Cleans up after itself.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Boot the test VM through a private daemon and resize it live, showing the guest's view.")
final class DemoCommand implements Callable<Integer> {
    private static final Pattern REPORT = Pattern.compile("vmflex-guest: cpus=(\\d+) memtotal_kb=(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VM = "test-vm";

    @Option(names = "--home", description = "vmflex checkout (default: where the launcher lives)")
    Path home;

    @Option(names = "--test-image", description = "Show the small test VM instead of PostgreSQL")
    boolean testImage;

    private AdminClient api;

    private record Report(int cpus, long memTotalKb) {
        @Override
        public String toString() {
            return "cpus=" + cpus + " MemTotal=" + (memTotalKb / 1024) + " MiB";
        }
    }

    @Override
    public Integer call() throws Exception {
        Path root = home != null ? home : Path.of(System.getProperty("vmflex.home", "."));
        Path images = root.resolve("build/images");
        Path manifest = root.resolve("examples/test-vm.yaml");
        if (Files.exists(images.resolve("postgres/manifest.json")) && !testImage) {
            return new PostgresDemo(root, images).run();
        }
        if (!Files.exists(images.resolve("test/manifest.json"))) {
            System.err.println("demo: test image missing in " + images + ": run ci/setup.sh first");
            return 1;
        }
        say("postgres image not built (rootfs/build-postgres-image.sh): showing the test VM instead");
        Path state = Files.createTempDirectory(Path.of("/tmp"), "vmflex-demo");
        VmmdConfig d = VmmdConfig.defaults("demo-node");
        VmmdConfig config = new VmmdConfig(state, state.resolve("vmmd.sock"), "demo-node", images, d.qemuBinary(),
                null, d.socketMode(), d.devKvm(), null, "vmflex-demo", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(), null);
        say("starting vmmd (state " + state + ")");
        try (Vmmd vmmd = Vmmd.start(config); AdminClient client = new AdminClient(config.socket())) {
            api = client;
            JsonNode node = json(api.request("GET", "/v1/node", null, null).body());
            say("node check: accel " + node.path("accel").asText() + " — " + node.path("accelReason").asText());
            var created = api.request("PUT", "/v1/vms/" + VM, "application/yaml", Files.readAllBytes(manifest));
            check(created.status() == 201, "create failed: " + new String(created.body(), StandardCharsets.UTF_8));
            say("applied " + manifest.getFileName() + ": cpus 1..4 (use 1), memory slots 2..8 x 128Mi (use 2)");
            long t0 = System.nanoTime();
            Report boot = awaitGuest(r -> true, Duration.ofSeconds(90));
            say("guest booted in " + ms(t0) + " ms and reports " + boot);
            step("cpus use 1 -> 3", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":3}]", r -> r.cpus() == 3);
            step("memory slots use 2 -> 8", "[{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":8}]",
                    r -> r.memTotalKb() >= boot.memTotalKb() + 700 * 1024);
            step("cpus use 3 -> 1", "[{\"op\":\"replace\",\"path\":\"/spec/guest/cpus/use\",\"value\":1}]", r -> r.cpus() == 1);
            step("memory slots use 8 -> 2", "[{\"op\":\"replace\",\"path\":\"/spec/guest/memorySlots/use\",\"value\":2}]",
                    r -> r.memTotalKb() <= boot.memTotalKb() + 1024);
            JsonNode vm = awaitRunning(Duration.ofSeconds(60));
            say("status: phase " + vm.at("/status/phase").asText() + ", cpus " + vm.at("/status/cpus").asText()
                    + ", memory " + vm.at("/status/memorySize").asText() + ", QEMU pid " + vm.at("/status/pid").asText());
            api.request("DELETE", "/v1/vms/" + VM, null, null);
            say("deleted the VM; stopping vmmd");
        } finally {
            deleteTree(state);
        }
        return 0;
    }

    private void step(String what, String patch, java.util.function.Predicate<Report> done) throws Exception {
        long t0 = System.nanoTime();
        var r = api.request("PATCH", "/v1/vms/" + VM, "application/json-patch+json", patch.getBytes(StandardCharsets.UTF_8));
        check(r.status() == 200, "patch failed: " + new String(r.body(), StandardCharsets.UTF_8));
        Report g = awaitGuest(done, Duration.ofSeconds(120));
        say(String.format("%-24s -> guest reports %s after %d ms", what, g, ms(t0)));
    }

    /** The VM once QEMU reports what the spec asks for (the guest may see it a little earlier). */
    private JsonNode awaitRunning(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode vm = json(api.request("GET", "/v1/vms/" + VM, null, null).body());
            if ("Running".equals(vm.at("/status/phase").asText()) || System.nanoTime() > deadline) {
                return vm;
            }
            Thread.sleep(100);
        }
    }

    private Report awaitGuest(java.util.function.Predicate<Report> ok, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String console = new String(api.request("GET", "/v1/vms/" + VM + "/console?tail=5", null, null).body(),
                    StandardCharsets.UTF_8);
            Report last = null;
            Matcher m = REPORT.matcher(console);
            while (m.find()) {
                last = new Report(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
            }
            if (last != null && ok.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the guest did not report the expected state within " + timeout.toSeconds() + " s");
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static JsonNode json(byte[] body) throws java.io.IOException {
        return JSON.readTree(body);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }

    static void say(String s) {
        System.out.println("[demo] " + s);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // best effort: a temp dir
        }
    }
}
