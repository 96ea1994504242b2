package io.vmflex.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.VmmdConfig;
import io.vmflex.vmm.console.ConsoleLog;
import io.vmflex.vmm.console.ConsoleReader;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.migration.qemu.IncomingLoad;
import io.vmflex.vmm.migration.qemu.MigrationTuning;
import io.vmflex.vmm.migration.qemu.SwitchoverHold;
import io.vmflex.vmm.node.NodeCheck;
import io.vmflex.vmm.qemu.GuestParameters;
import io.vmflex.vmm.qemu.QemuCommandLine;
import io.vmflex.vmm.qemu.QemuLauncher;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.SpecView;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.qmp.QmpClient;
import io.vmflex.vmm.qmp.QmpClientOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The baseline of the migration benchmark: the benchmark VM run by QEMU processes this class starts
 * itself, with the command line vmmd would use ({@link QemuCommandLine} through {@link QemuLauncher},
 * the same kernel arguments and a qcow2 overlay over the image's disk), migrated QEMU to QEMU over a
 * Unix socket with the same capabilities and parameters ({@link MigrationTuning}), its root disk mirrored
 * as the daemon does it ({@link DiskMirror}, straight into the target's NBD export). Each migration
 * starts a new target QEMU ({@code -incoming defer}) in a fresh directory, so the VM ping-pongs.
 *
 * <p>Not thread-safe.
 */
final class DirectVm implements AutoCloseable {
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);

    /**
     * One QEMU of the VM and the QMP connection to it.
     *
     * @param reported the status of its last MIGRATION event, as a source
     * @param load     its MIGRATION events, as a target
     */
    private record Instance(VmPaths paths, QemuProcess process, QmpClient qmp, QmpOps ops, AtomicReference<String> reported,
                            IncomingLoad load) {
        void stop() {
            try {
                ops.quit();
            } catch (QmpOps.QmpFailure ignored) {
                // it goes away either way
            }
            if (!process.awaitExit(5000)) {
                process.kill();
                process.awaitExit(2000);
            }
            process.close();
            qmp.close();
        }
    }

    private final Path work;
    private final QemuVmConfig template;
    private final QemuLauncher launcher = new QemuLauncher(Duration.ofSeconds(60));
    /** Released by the QMP I/O threads on every MIGRATION and MIGRATION_PASS event of any of this VM's QEMUs. */
    private final Semaphore migrationEvent = new Semaphore(0);
    private final DiskMirror.JobEvents mirrorEvents = new DiskMirror.JobEvents();
    private final ConsoleLog console;
    private final ConsoleReader reader;
    private Instance current;
    private int generation;

    DirectVm(Path work, Path images, VirtualMachine vm) throws Exception {
        this.work = work;
        SpecView spec = SpecView.of(vm);
        ImageStore.Image image = new ImageStore(images).resolve(spec.image());
        VmmdConfig d = VmmdConfig.defaults("bench-direct");
        // The accelerator vmmd would pick here, so the two modes differ only by the data path.
        QemuVmConfig.Accel accel = NodeCheck.run("bench-direct", d.qemuBinary(), d.devKvm(), null, "vmflex-migbench", "auto").accel();
        String cmdline = (image.cmdline() + GuestParameters.kernelArgs(vm.spec().guest())).trim();
        template = new QemuVmConfig("migbench-direct", d.qemuBinary(), accel, spec.bootCpus(), spec.maxCpus(),
                spec.baseMemoryBytes(), spec.hotplugMemoryBytes(), d.virtioMemBlockBytes(), image.kernel(), image.initrd(),
                image.disk(), cmdline, List.of(), new VmPaths(work));
        VmPaths first = nextPaths();
        current = start(first, null);
        console = new ConsoleLog(first.consoleLog(), 1 << 20);
        reader = new ConsoleReader(first.consoleSocket(), console, () -> true);
        reader.start("migbench-direct");
    }

    /** Console lines of the first QEMU (the guest's boot and the benchmark's fill), last {@code lines}. */
    String consoleTail(int lines) throws Exception {
        return console.tail(lines);
    }

    private VmPaths nextPaths() throws Exception {
        VmPaths p = new VmPaths(work.resolve("qemu-" + generation++));
        Files.createDirectories(p.dir());
        return p;
    }

    private Instance start(VmPaths paths, QemuCommandLine.Incoming incoming) throws Exception {
        Path overlay = paths.rootOverlay();
        if (template.disk() != null) {
            Process p = new ProcessBuilder(template.qemuBinary().resolveSibling("qemu-img").toString(), "create", "-q", "-f",
                    "qcow2", "-F", "raw", "-b", template.disk().toAbsolutePath().toString(), overlay.toString())
                    .redirectErrorStream(true).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("qemu-img: " + new String(p.getInputStream().readAllBytes()));
            }
        }
        QemuVmConfig c = new QemuVmConfig(template.name(), template.qemuBinary(), template.accel(), template.bootCpus(),
                template.maxCpus(), template.baseMemoryBytes(), template.hotplugMemoryBytes(), template.virtioMemBlockBytes(),
                template.kernel(), template.initrd(), template.disk() == null ? null : overlay, template.kernelCmdline(),
                template.nicArgs(), paths);
        QemuProcess process = QemuProcess.adopt(incoming == null ? launcher.launch(c) : launcher.launch(c, incoming));
        if (process == null) {
            throw new IllegalStateException("QEMU exited at start: " + Files.readString(paths.qemuStderr()));
        }
        // The events drive migrate() as they drive the daemon: its watch loop, the mirror's end, the target's load.
        AtomicReference<String> reported = new AtomicReference<>("");
        IncomingLoad load = new IncomingLoad();
        QmpClient qmp = QmpClient.connect(paths.qmpSocket(), QmpClientOptions.defaults().withEventListener(e -> {
            if (e.name().equals("MIGRATION") || e.name().equals("MIGRATION_PASS")) {
                if (e.name().equals("MIGRATION")) {
                    reported.set(e.data().path("status").asText(""));
                }
                load.onEvent(e.name(), e.data());
                migrationEvent.release();
            } else if (DiskMirror.JobEvents.concerns(e.name(), e.data())) {
                mirrorEvents.onEvent(e.name(), e.data());
            }
        })).get(10, TimeUnit.SECONDS);
        return new Instance(paths, process, qmp, new QmpOps(qmp::execute, QMP_TIMEOUT), reported, load);
    }

    /** Migrates the VM from the running QEMU to a new one; returns when the new one runs it. */
    MigrationSample migrate(int multifdChannels, long downtimeLimitMs, long maxBandwidthMbps) throws Exception {
        long t0 = System.nanoTime();
        VmPaths paths = nextPaths();
        Instance target = start(paths, new QemuCommandLine.Incoming(List.of(), 0));
        try {
            Path sock = paths.dir().resolve("incoming.sock");
            // The root disk goes along as the daemon carries it (DiskMirror), straight to the target's export.
            boolean disk = DiskMirror.hasRootDisk(current.ops());
            if (disk) {
                Path nbd = paths.dir().resolve("nbd.sock");
                DiskMirror.export(target.ops(), nbd);
                DiskMirror.start(current.ops(), nbd, maxBandwidthMbps);
                if (DiskMirror.awaitReady(current.ops(), Duration.ofMinutes(5), () -> false, DiskMirror.Progress.NONE)
                        instanceof DiskMirror.Readiness.Failed f) {
                    throw new IllegalStateException(f.message());
                }
            }
            MigrationTuning.applyTarget(target.ops(), multifdChannels);
            target.ops().call("migrate-incoming", uri(sock));
            SwitchoverHold hold = MigrationTuning.applySource(current.ops(), downtimeLimitMs, maxBandwidthMbps, multifdChannels, disk);
            migrationEvent.drainPermits();
            current.reported().set(""); // it heard "completed" as the target of the last move
            current.ops().call("migrate", uri(sock));
            boolean continued = false;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (true) {
                // As the daemon: with the guest paused (completed, pre-switchover) QEMU's event is
                // enough; otherwise ask QEMU.
                String s = current.reported().get();
                if (!atSwitchover(s, continued)) {
                    JsonNode q = current.ops().call("query-migrate", null);
                    hold.observe(current.ops(), q);
                    s = q.path("status").asText();
                    if (!atSwitchover(s, continued)
                            && (s.equals("failed") || s.equals("cancelled") || System.nanoTime() > deadline)) {
                        throw new IllegalStateException("direct migration " + s + ": " + q.path("error-desc").asText(""));
                    }
                }
                if (s.equals("completed")) {
                    break;
                }
                if (s.equals("pre-switchover") && !continued) {
                    switchOver(disk);
                    continued = true;
                    continue;
                }
                if (migrationEvent.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                    migrationEvent.drainPermits();
                }
            }
            long completedSeen = System.nanoTime();
            // Like the daemon's commit: export stopped, wait until the target loaded everything, then run it.
            if (disk) {
                DiskMirror.stopExport(target.ops());
            }
            target.load().awaitCompleted(target.ops(), Duration.ofSeconds(30));
            target.ops().call("cont", null);
            long resumed = System.nanoTime();
            JsonNode q = current.ops().call("query-migrate", null);
            long paused = q.path("downtime").asLong() + Math.round((resumed - completedSeen) / 1e6);
            long wall = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            current.stop();
            current = target;
            return new MigrationSample("direct", multifdChannels, maxBandwidthMbps, q.path("total-time").asLong(), q.path("downtime").asLong(),
                    paused, q.path("ram").path("transferred").asLong(), wall, -1);
        } catch (Exception e) {
            target.stop();
            throw e;
        }
    }

    /** The source paused the guest before its final pass: completes the disk mirror, lets QEMU go on. */
    /** QEMU completed, or paused the guest for a switch-over not yet continued: the loop acts at once. */
    private static boolean atSwitchover(String qemuStatus, boolean continued) {
        return qemuStatus.equals("completed") || (qemuStatus.equals("pre-switchover") && !continued);
    }

    private void switchOver(boolean disk) throws Exception {
        if (disk) {
            DiskMirror.finish(current.ops(), Duration.ofSeconds(10), mirrorEvents);
        }
        MigrationTuning.continueFromPreSwitchover(current.ops());
    }

    /** QEMU's run state of the current instance ({@code running} after a good migration). */
    String status() throws QmpOps.QmpFailure {
        return current.ops().status();
    }

    int pid() {
        return current.process().pid();
    }

    private static ObjectNode uri(Path sock) {
        ObjectNode o = ApiMapper.json().createObjectNode();
        o.put("uri", "unix:" + sock);
        return o;
    }

    @Override
    public void close() throws Exception {
        if (current != null) {
            current.stop();
            current = null;
        }
        reader.close();
        console.close();
    }
}
