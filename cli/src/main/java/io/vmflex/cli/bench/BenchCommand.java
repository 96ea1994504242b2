package io.vmflex.cli.bench;

import io.vmflex.client.AdminClient;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;
import io.vmflex.vmm.console.ConsoleLog;
import io.vmflex.vmm.console.ConsoleReader;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.node.NodeCheck;
import io.vmflex.vmm.qemu.CpuSlot;
import io.vmflex.vmm.qemu.QemuLauncher;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.qmp.QmpClient;
import io.vmflex.vmm.qmp.QmpClientOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code vmflex bench scale}: how long from asking for a new size to the guest reporting it, through
 * vmmd ({@code PATCH} on the admin API) and, as the baseline in the same run, by QMP commands sent
 * straight to a QEMU of the same shape. Prints p50/p95 per step and the ratio daemon/direct.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {MigrationBenchCommand.class, AutoscaleBenchCommand.class},
        description = "Benchmarks; without a subcommand, the resize latency benchmark.")
public final class BenchCommand implements Callable<Integer> {
    private static final long MI = 1L << 20;
    private static final long SLOT = 128 * MI;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--runs", defaultValue = "10", description = "Runs of each step (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--images", description = "Image store (default: <checkout>/build/images)")
    Path images;

    /** One way of resizing the test VM. */
    private interface Driver extends AutoCloseable {
        void cpus(int n) throws Exception;

        void memorySlots(int use) throws Exception;

        GuestConsoleWatch watch();
    }

    private static final String[] STEPS = {"cpu 1->2", "cpu 2->1", "memory +256Mi", "memory -256Mi"};

    @Override
    public Integer call() throws Exception {
        Path root = Path.of(System.getProperty("vmflex.home", "."));
        Path imageDir = images != null ? images : root.resolve("build/images");
        Path manifest = root.resolve("examples/test-vm.yaml");
        Path work = Files.createTempDirectory(Path.of("/tmp"), "vmflex-bench");
        try {
            Map<String, List<Long>> direct;
            Map<String, List<Long>> daemon;
            try (Driver d = new DirectDriver(work.resolve("direct"), imageDir)) {
                direct = measure("direct QMP", d);
            } catch (Exception e) {
                Path stderr = new VmPaths(work.resolve("direct")).qemuStderr();
                System.err.println("direct QEMU stderr: " + (Files.exists(stderr) ? Files.readString(stderr) : "(none)"));
                throw e;
            }
            try (Driver d = new DaemonDriver(work.resolve("daemon"), imageDir, manifest)) {
                daemon = measure("vmmd PATCH", d);
            }
            System.out.printf("%n%-16s %12s %12s %12s %12s %10s%n", "step", "direct p50", "direct p95", "vmmd p50", "vmmd p95", "ratio p50");
            for (String step : STEPS) {
                long dp50 = pct(direct.get(step), 50);
                long vp50 = pct(daemon.get(step), 50);
                System.out.printf("%-16s %10d ms %10d ms %10d ms %10d ms %10.2f%n", step, dp50, pct(direct.get(step), 95),
                        vp50, pct(daemon.get(step), 95), dp50 == 0 ? 0.0 : (double) vp50 / dp50);
            }
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    private Map<String, List<Long>> measure(String label, Driver d) throws Exception {
        GuestConsoleWatch w = d.watch();
        GuestConsoleWatch.Report boot = w.await(r -> r.cpus() == 1, Duration.ofSeconds(120));
        long bootMem = boot.memTotalKb();
        Map<String, List<Long>> out = new LinkedHashMap<>();
        for (String s : STEPS) {
            out.put(s, new ArrayList<>());
        }
        for (int i = 0; i < runs; i++) {
            out.get(STEPS[0]).add(step(w, () -> d.cpus(2), r -> r.cpus() == 2));
            out.get(STEPS[1]).add(step(w, () -> d.cpus(1), r -> r.cpus() == 1));
            out.get(STEPS[2]).add(step(w, () -> d.memorySlots(4), r -> r.memTotalKb() >= bootMem + 2 * SLOT / 1024 * 95 / 100));
            out.get(STEPS[3]).add(step(w, () -> d.memorySlots(2), r -> r.memTotalKb() <= bootMem + 1024));
            System.out.printf("[%s] run %d/%d: %s%n", label, i + 1, runs, lastOf(out));
        }
        return out;
    }

    private interface Action {
        void run() throws Exception;
    }

    private static long step(GuestConsoleWatch w, Action action, java.util.function.Predicate<GuestConsoleWatch.Report> done) throws Exception {
        w.clear();
        long t0 = System.nanoTime();
        action.run();
        GuestConsoleWatch.Report r = w.await(done, STEP_TIMEOUT);
        return TimeUnit.NANOSECONDS.toMillis(r.arrivedNanos() - t0);
    }

    private static String lastOf(Map<String, List<Long>> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(k).append(' ').append(v.getLast()).append(" ms  "));
        return b.toString().trim();
    }

    static long pct(List<Long> xs, int p) {
        List<Long> s = xs.stream().sorted().toList();
        int idx = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(idx, s.size() - 1)));
    }

    /** Resizes through a private vmmd's admin API; reads the console by following it over the API. */
    private static final class DaemonDriver implements Driver {
        private final Vmmd vmmd;
        private final AdminClient api;
        private final AdminClient follower;
        private final GuestConsoleWatch watch = new GuestConsoleWatch();
        private final Thread followThread;

        DaemonDriver(Path state, Path images, Path manifest) throws Exception {
            VmmdConfig d = VmmdConfig.defaults("bench-node");
            VmmdConfig config = new VmmdConfig(state, state.resolve("vmmd.sock"), "bench-node", images, d.qemuBinary(),
                    null, d.socketMode(), d.devKvm(), null, "vmflex-bench", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(), null);
            vmmd = Vmmd.start(config);
            api = new AdminClient(config.socket());
            follower = new AdminClient(config.socket(), Duration.ofHours(1));
            var r = api.request("PUT", "/v1/vms/test-vm", "application/yaml", Files.readAllBytes(manifest));
            if (r.status() != 201) {
                throw new IllegalStateException("create failed: " + new String(r.body(), StandardCharsets.UTF_8));
            }
            followThread = Thread.ofVirtual().start(() -> {
                try {
                    follower.stream("/v1/vms/test-vm/console?follow=true&tail=0", watch::accept);
                } catch (Exception e) {
                    // ends when the bench closes the follower
                }
            });
        }

        private void patch(String path, int value) throws Exception {
            var r = api.request("PATCH", "/v1/vms/test-vm", "application/json-patch+json",
                    ("[{\"op\":\"replace\",\"path\":\"" + path + "\",\"value\":" + value + "}]").getBytes(StandardCharsets.UTF_8));
            if (r.status() != 200) {
                throw new IllegalStateException("patch failed: " + new String(r.body(), StandardCharsets.UTF_8));
            }
        }

        @Override
        public void cpus(int n) throws Exception {
            patch("/spec/guest/cpus/use", n);
        }

        @Override
        public void memorySlots(int use) throws Exception {
            patch("/spec/guest/memorySlots/use", use);
        }

        @Override
        public GuestConsoleWatch watch() {
            return watch;
        }

        @Override
        public void close() throws Exception {
            api.request("DELETE", "/v1/vms/test-vm", null, null);
            follower.close();
            followThread.interrupt();
            api.close();
            vmmd.close();
        }
    }

    /** The baseline: the same QEMU command line, resized by QMP commands sent straight to it. */
    private static final class DirectDriver implements Driver {
        private final QemuProcess process;
        private final QmpClient qmp;
        private final QmpOps ops;
        private final ConsoleLog console;
        private final ConsoleReader reader;
        private final GuestConsoleWatch watch = new GuestConsoleWatch();
        private final List<String> plugged = new ArrayList<>();

        DirectDriver(Path dir, Path images) throws Exception {
            ImageStore.Image image = new ImageStore(images).resolve("test");
            VmmdConfig d = VmmdConfig.defaults("bench-node");
            VmPaths paths = new VmPaths(dir);
            // The same accelerator vmmd would pick on this node, so the two paths differ only by vmmd.
            QemuVmConfig.Accel accel = NodeCheck.run("bench-node", d.qemuBinary(), d.devKvm(), null, "vmflex-bench", "auto").accel();
            QemuVmConfig config = new QemuVmConfig("bench-direct", d.qemuBinary(), accel, 1, 4,
                    2 * SLOT, 6 * SLOT, d.virtioMemBlockBytes(), image.kernel(), image.initrd(), null, image.cmdline(), List.of(), paths);
            QemuRuntime rt = new QemuLauncher(Duration.ofSeconds(60)).launch(config);
            process = QemuProcess.adopt(rt);
            console = new ConsoleLog(paths.consoleLog(), 1 << 20);
            StringBuilder partial = new StringBuilder();
            console.follow(bytes -> {
                partial.append(new String(bytes, StandardCharsets.ISO_8859_1));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    watch.accept(partial.substring(0, nl));
                    partial.delete(0, nl + 1);
                }
            });
            reader = new ConsoleReader(paths.consoleSocket(), console, () -> true);
            reader.start("bench-direct");
            qmp = QmpClient.connect(paths.qmpSocket(), QmpClientOptions.defaults()).get(10, TimeUnit.SECONDS);
            ops = new QmpOps(qmp::execute, Duration.ofSeconds(10));
        }

        @Override
        public void cpus(int n) throws Exception {
            List<CpuSlot> slots = ops.hotpluggableCpus();
            long have = slots.stream().filter(CpuSlot::plugged).count();
            if (n > have) {
                CpuSlot free = slots.stream().filter(s -> !s.plugged())
                        .min(Comparator.comparingInt(CpuSlot::socketId).thenComparingInt(CpuSlot::coreId)).orElseThrow();
                ops.addCpu(free);
                plugged.add(free.deviceId());
            } else if (n < have) {
                ops.removeDevice(plugged.removeLast());
            }
        }

        @Override
        public void memorySlots(int use) throws Exception {
            ops.setVirtioMemRequestedSize((use - 2) * SLOT);
        }

        @Override
        public GuestConsoleWatch watch() {
            return watch;
        }

        @Override
        public void close() throws Exception {
            try {
                ops.quit();
            } catch (QmpOps.QmpFailure ignored) {
                // it is going away either way
            }
            if (!process.awaitExit(5000)) {
                process.kill();
            }
            process.close();
            qmp.close();
            reader.close();
            console.close();
        }
    }
}
