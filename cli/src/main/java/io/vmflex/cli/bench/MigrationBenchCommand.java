package io.vmflex.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.client.Response;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code vmflex bench migration}: relayed live migration (source vmmd, relay, target vmmd) against
 * direct QEMU-to-QEMU migration of a VM of the same shape and memory contents, in one run, on this
 * machine. Two private vmmds (child JVMs) ping-pong one VM; {@link DirectVm} ping-pongs its twin
 * between QEMUs it starts itself. With {@code --relay-encryption on,off} a second pair of vmmds, both
 * with {@code --migration-encryption off}, ping-pongs a third twin: the relay with and without
 * encryption in the same run (modes {@code relayed} and {@code plain}). Both guests fill {@code --fill} MiB of their memory with random
 * bytes first (zero pages would make the migration trivially cheap) and optionally keep rewriting
 * {@code --dirty} MiB. Runs alternate the order of the two modes; the report gives medians and the
 * relayed/direct ratios.
 *
 * <p>Not thread-safe (a command).
 */
@Command(name = "migration", mixinStandardHelpOptions = true,
        description = "Relayed (vmmd to vmmd) vs direct (QEMU to QEMU) live migration: total time, downtime, throughput.")
public final class MigrationBenchCommand implements Callable<Integer> {
    private static final String VM = "migbench";
    private static final String FILLED = "vmflex-bench: filled";

    @Option(names = "--runs", defaultValue = "3", description = "Migrations per mode and channel count (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured rounds first: the daemons' JIT compiles the relay"
            + " and QMP paths (the first relayed migration cost 2-3x the daemon CPU of later ones) (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--images", description = "Image store (default: <checkout>/build/images)")
    Path images;

    @Option(names = "--memory-mib", defaultValue = "1024", description = "Guest memory (default ${DEFAULT-VALUE} MiB, multiple of 128)")
    int memoryMib;

    @Option(names = "--fill-mib", defaultValue = "640", description = "Guest memory filled with random bytes (default ${DEFAULT-VALUE} MiB)")
    int fillMib;

    @Option(names = "--dirty-mib", defaultValue = "0", description = "Guest memory rewritten in a loop during the runs (default ${DEFAULT-VALUE} MiB)")
    int dirtyMib;

    @Option(names = "--multifd", defaultValue = "2", description = "Also measure multifd with N channels; 1 = only plain (default ${DEFAULT-VALUE})")
    int multifd;

    @Option(names = "--downtime-limit", defaultValue = "300", description = "downtime-limit in ms for both modes (default ${DEFAULT-VALUE})")
    long downtimeMs;

    @Option(names = "--max-bandwidth", defaultValue = "100000", split = ",", description = "max-bandwidth in Mbit/s for both modes;"
            + " a list (e.g. 4000,8000,100000) compares them all in one run, each cap like a link of that speed between the"
            + " nodes (default ${DEFAULT-VALUE}: unlimited here, CPU-bound)")
    List<Long> bandwidthsMbps;

    @Option(names = "--pause-ms", defaultValue = "1000", description = "Idle time after each migration (default ${DEFAULT-VALUE}"
            + " ms). On this 2-vCPU VM a migration started within ~1 s of the previous one ran up to 4x faster than after"
            + " 6 s idle, in both modes: keep it the same when comparing runs")
    long pauseMs;

    @Option(names = "--relay-encryption", defaultValue = "on", split = ",", description = "Relayed modes to measure: on"
            + " (encrypted, the daemons' default; mode \"relayed\"), off (--migration-encryption off on both daemons; mode"
            + " \"plain\"), or on,off for both in one run, each with a pair of vmmds and a VM of its own (default ${DEFAULT-VALUE})")
    List<String> relayEncryption;

    @Option(names = "--keep", description = "Keep the work directory (daemon logs, QEMU stderr)")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0 || pauseMs < 0) {
            throw new IllegalArgumentException("--runs must be at least 1, --warmup and --pause-ms at least 0");
        }
        if (bandwidthsMbps.stream().anyMatch(b -> b < 1)) {
            throw new IllegalArgumentException("--max-bandwidth: each value at least 1 Mbit/s");
        }
        if (memoryMib % 128 != 0 || memoryMib < 256 || fillMib >= memoryMib - 200) {
            throw new IllegalArgumentException("--memory-mib: a multiple of 128, >= 256, and 200 MiB more than --fill-mib");
        }
        if (relayEncryption.isEmpty() || !List.of("on", "off").containsAll(relayEncryption)
                || relayEncryption.stream().distinct().count() != relayEncryption.size()) {
            throw new IllegalArgumentException("--relay-encryption: on, off or on,off; got " + String.join(",", relayEncryption));
        }
        Path root = Path.of(System.getProperty("vmflex.home", "."));
        Path imageDir = (images != null ? images : root.resolve("build/images")).toAbsolutePath();
        Path work = Files.createTempDirectory(Path.of("/tmp"), "vmflex-migbench");
        Path secret = work.resolve("cluster.secret");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.writeString(secret, HexFormat.of().formatHex(key));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        VirtualMachine vm = ApiMapper.yaml().readValue(manifest(VM), VirtualMachine.class);
        List<Integer> channelCounts = multifd > 1 ? List.of(1, multifd) : List.of(1);
        String loadAtStart = loadAverage();
        MigrationBenchReport report = new MigrationBenchReport();
        System.out.printf("migration benchmark: %d MiB guest, %d MiB random, %d MiB dirtied in a loop, downtime-limit %d ms,"
                + " max-bandwidth %s Mbit/s, %d runs after %d warm-up, channels %s, %d ms pause, relay encryption %s; work dir %s%n",
                memoryMib, fillMib, dirtyMib, downtimeMs, bandwidthsMbps, runs, warmup, channelCounts, pauseMs, relayEncryption, work);
        System.out.println(freePageReporting());
        List<Lane> lanes = new ArrayList<>();
        DirectVm direct = null;
        boolean ok = false;
        try {
            for (String encryption : relayEncryption) {
                lanes.add(Lane.start(encryption.equals("on") ? "relayed" : "plain", work, imageDir, secret));
            }
            for (Lane lane : lanes) {
                Response created = lane.on.request("PUT", "/v1/vms/" + lane.vm, "application/yaml", manifest(lane.vm));
                if (created.status() != 201) {
                    throw new IllegalStateException("create failed: " + created.bodyText());
                }
            }
            direct = new DirectVm(work.resolve("direct"), imageDir, vm);
            for (Lane lane : lanes) {
                awaitFilled(lane.mode, () -> lane.on.request("GET", "/v1/vms/" + lane.vm + "/console?tail=400", null, null).bodyText());
            }
            DirectVm d = direct;
            awaitFilled("direct", () -> d.consoleTail(400));
            Pair pair = new Pair(lanes, direct);
            for (int run = -warmup; run < runs; run++) {
                for (long bandwidthMbps : bandwidthsMbps) {
                    for (int ch : channelCounts) {
                        for (MigrationSample s : pair.measure(run, ch, bandwidthMbps)) {
                            if (run >= 0) {
                                report.add(s);
                            }
                        }
                    }
                }
            }
            report.print(System.out);
            System.out.printf("machine: %d CPUs, load average (1/5/15 min) at the start %s, at the end %s%n",
                    Runtime.getRuntime().availableProcessors(), loadAtStart, loadAverage());
            System.out.println(freePageReporting()); // again at the end, next to the figures it explains
            ok = true;
        } finally {
            if (!ok) {
                keepQemuLogs(work);
            }
            for (Lane lane : lanes) {
                lane.deleteVm();
            }
            if (direct != null) {
                direct.close();
            }
            for (Lane lane : lanes) {
                lane.close();
            }
            if (keep || !ok) {
                System.out.println("work directory kept: " + work);
            } else {
                try (Stream<Path> walk = Files.walk(work)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return 0;
    }

    /** The daemons delete a VM's folder with it: keep QEMU's stderr and the console for a post-mortem. */
    private static void keepQemuLogs(Path work) {
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.filter(p -> p.getFileName().toString().matches("qemu\\.stderr|console\\.log")).toList()) {
                Files.copy(p, work.resolve(work.relativize(p).toString().replace('/', '_')));
            }
        } catch (Exception e) {
            System.err.println("cannot keep the QEMU logs: " + e);
        }
    }

    /**
     * One relayed mode: two vmmds with the same migration encryption setting and the VM they move
     * between them ({@code migbench} encrypted, {@code migbench-plain} in clear: each VM's name is its
     * own, as its QEMU's CPU group is named after it).
     */
    private static final class Lane implements AutoCloseable {
        final String mode;
        final String vm;
        final BenchDaemon a;
        final BenchDaemon b;
        BenchDaemon on;

        private Lane(String mode, String vm, BenchDaemon a, BenchDaemon b) {
            this.mode = mode;
            this.vm = vm;
            this.a = a;
            this.b = b;
            this.on = a;
        }

        static Lane start(String mode, Path work, Path images, Path secret) throws Exception {
            boolean encrypted = mode.equals("relayed");
            String suffix = encrypted ? "" : "-plain";
            BenchDaemon a = BenchDaemon.start("migbench-a" + suffix, work.resolve("node-a" + suffix), images, secret, encrypted);
            try {
                BenchDaemon b = BenchDaemon.start("migbench-b" + suffix, work.resolve("node-b" + suffix), images, secret, encrypted);
                return new Lane(mode, VM + suffix, a, b);
            } catch (Exception e) {
                a.close();
                throw e;
            }
        }

        BenchDaemon other() {
            return on == a ? b : a;
        }

        void deleteVm() {
            for (BenchDaemon x : new BenchDaemon[] {a, b}) {
                try {
                    x.request("DELETE", "/v1/vms/" + vm, null, null);
                } catch (RuntimeException ignored) {
                    // not there
                }
            }
        }

        @Override
        public void close() throws java.io.IOException {
            a.close();
            b.close();
        }
    }

    /** The set-ups under test: each lane's VM, moved by its daemons, and its twin {@link DirectVm} moves. */
    private final class Pair {
        private final List<Lane> lanes;
        private final DirectVm direct;

        Pair(List<Lane> lanes, DirectVm direct) {
            this.lanes = lanes;
            this.direct = direct;
        }

        /** One migration in each mode, in an order that rotates with the run, printed as they end. */
        List<MigrationSample> measure(int run, int channels, long bandwidthMbps) throws Exception {
            int modes = lanes.size() + 1; // direct is mode 0, lane i is mode i + 1
            int first = Math.floorMod(run + channels, modes);
            List<MigrationSample> out = new ArrayList<>(modes);
            for (int step = 0; step < modes; step++) {
                int mode = (first + step) % modes;
                MigrationSample s;
                if (mode == 0) {
                    s = direct.migrate(channels, downtimeMs, bandwidthMbps);
                    if (!direct.status().equals("running")) {
                        throw new IllegalStateException("direct target QEMU is " + direct.status());
                    }
                } else {
                    Lane lane = lanes.get(mode - 1);
                    BenchDaemon to = lane.other();
                    s = relayed(lane, to, channels, bandwidthMbps);
                    lane.on = to;
                }
                out.add(s);
                System.out.printf("%-7s %-7s channels %d @%d: total %5d ms, downtime %4d ms, paused %4d ms, %7.1f MiB, %7.0f Mbit/s,"
                                + " wall %5d ms%s, load %s%n", run < 0 ? "warm-up" : "run " + (run + 1), s.mode(), channels, bandwidthMbps,
                        s.totalMs(), s.downtimeMs(), s.switchoverMs(), s.transferredBytes() / 1048576.0, s.mbps(), s.wallMs(),
                        s.daemonCpuMs() < 0 ? "" : String.format(", vmmd CPU %d ms", s.daemonCpuMs()), loadAverage());
                Thread.sleep(pauseMs);
            }
            return out;
        }
    }

    private MigrationSample relayed(Lane lane, BenchDaemon to, int channels, long bandwidthMbps) throws Exception {
        BenchDaemon from = lane.on;
        String vmName = lane.vm;
        String body = ApiMapper.json().createObjectNode().put("target", to.migrationAddress()).put("downtimeLimitMs", downtimeMs)
                .put("maxBandwidthMbps", bandwidthMbps).put("multifdChannels", channels).toString();
        long cpu0 = from.cpuMillis() + to.cpuMillis();
        long t0 = System.nanoTime();
        Response r = from.request("POST", "/v1/vms/" + vmName + "/migrate?wait=true", "application/json", body);
        long wall = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long cpu = from.cpuMillis() + to.cpuMillis() - cpu0;
        JsonNode st = ApiMapper.json().readTree(r.body());
        if (r.status() != 200 || !st.path("phase").asText().equals("Completed")) {
            throw new IllegalStateException("relayed migration " + from.node() + " -> " + to.node() + ": " + r.bodyText());
        }
        String expected = lane.mode.equals("relayed") ? "AES-256-GCM" : "none";
        if (!st.path("encryption").asText().equals(expected)) {
            throw new IllegalStateException(lane.mode + " migration ran with encryption " + st.path("encryption") + ": " + r.bodyText());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        // The daemon pretty-prints its JSON: read the phase, do not match text.
        while (!ApiMapper.json().readTree(to.request("GET", "/v1/vms/" + vmName, null, null).body()).path("status").path("phase")
                .asText().equals("Running")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the VM does not run on " + to.node() + " after the migration");
            }
            Thread.sleep(100);
        }
        return new MigrationSample(lane.mode, channels, bandwidthMbps, st.path("totalMs").asLong(), st.path("downtimeMs").asLong(),
                st.path("switchoverMs").asLong(), st.path("transferredBytes").asLong(), wall, cpu);
    }

    /** The machine's 1/5/15-minute load averages: the benchmark shares the CPUs, and the numbers say how much. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + "/" + f[1] + "/" + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static final Path PAGE_REPORTING = Path.of("/sys/module/page_reporting/parameters/min_free_ms");

    /**
     * Whether this machine is itself a VM that hands freed memory back to its host (virtio-balloon
     * free page reporting). Then a target QEMU that gets reported pages takes a host fault per page
     * while it loads the guest's RAM: on the 2-vCPU VM this was measured on, that made single runs of
     * either mode 3-5x slower at random (bimodal). Delaying the reporting removes it.
     */
    static String freePageReporting() {
        if (!Files.exists(PAGE_REPORTING) || !Files.isDirectory(Path.of("/sys/bus/virtio/drivers/virtio_balloon"))) {
            return "free page reporting: not active";
        }
        try {
            long minFreeMs = Long.parseLong(Files.readAllLines(PAGE_REPORTING).getFirst().trim());
            return minFreeMs >= 60_000 ? "free page reporting: delayed " + minFreeMs + " ms (runs are comparable)"
                    : "free page reporting: ACTIVE after " + minFreeMs + " ms: freed memory goes back to the host and targets"
                    + " fault it in again, which makes runs bimodal; for comparable runs: echo 60000 > " + PAGE_REPORTING;
        } catch (java.io.IOException | RuntimeException e) {
            return "free page reporting: unknown (" + e.getMessage() + ")";
        }
    }

    private interface Console {
        String tail() throws Exception;
    }

    private static void awaitFilled(String which, Console console) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (!console.tail().contains(FILLED)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(which + " guest did not fill its memory within 10 min:\n" + console.tail());
            }
            Thread.sleep(1000);
        }
        System.out.println(which + " guest: memory filled");
    }

    /**
     * The benchmark VM: the test image, 1 vCPU, {@code --memory-mib} of boot memory, and the fill command.
     *
     * <p>No hot-pluggable memory (memorySlots max = min, so no virtio-mem device): under TCG vmmd then
     * gives a VM's boot memory a length QEMU syncs page by page (see QemuCommandLine's
     * TCG_BOOT_MEMORY_TRIM_BYTES), which costs CPU per sync that has nothing to do with the relay.
     * With boot memory only, it sits at RAM address 0 and QEMU's fast sync is right for it.
     */
    private String manifest(String name) {
        int slots = memoryMib / 128;
        String script = "dd if=/dev/urandom of=/tmp/fill bs=1M count=" + fillMib + " 2>/dev/null; echo " + FILLED + ";"
                + (dirtyMib > 0 ? " while :; do dd if=/tmp/fill of=/tmp/dirty bs=1M count=" + dirtyMib
                + " conv=notrunc 2>/dev/null; done" : " exec sleep 2147483647");
        List<String> lines = new ArrayList<>(List.of(
                "apiVersion: vm.neon.tech/v1",
                "kind: VirtualMachine",
                "metadata:",
                "  name: " + name,
                "spec:",
                "  restartPolicy: Never",
                "  guest:",
                "    cpus: {min: 1, use: 1, max: 2}",
                "    memorySlotSize: 128Mi",
                "    memorySlots: {min: " + slots + ", use: " + slots + ", max: " + slots + "}",
                "    rootDisk: {image: test}",
                "    command: [\"/bin/sh\", \"-c\", \"" + script + "\"]"));
        return String.join("\n", lines) + "\n";
    }
}
