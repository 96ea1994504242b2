package io.vmflex.vmm.migration.incoming;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.migration.Expectation;
import io.vmflex.netbridge.VmNic;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.migration.qemu.IncomingLoad;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuProcess;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.QmpSession;
import io.vmflex.vmm.qemu.VmPaths;
import io.vmflex.vmm.store.AtomicFiles;
import io.vmflex.vmm.store.StateStore;
import io.vmflex.vmm.supervisor.VmRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * One paused incoming QEMU of {@link QemuLanding}, and what made it: the VM's folder, the NIC, the
 * listener's expectation, the hold on the VM's name.
 *
 * <pre>
 *  paused --load completed--> commit point (incoming.json renamed resume.json) --cont--> runs here
 * </pre>
 *
 * <p>Not thread-safe: used under its migration's lock.
 *
 * @param runtime    null while it is being made
 * @param process    null until QEMU runs
 * @param qmp        null until connected
 * @param load       null until connected
 * @param expectation null until the listener expects the channels
 * @param nic        null without a VM network
 * @param disk       the source mirrors its root disk into this QEMU's NBD export, stopped at commit
 */
record QemuCopy(UUID id, String name, VirtualMachine vm, VmPaths paths, QemuRuntime runtime, QemuProcess process,
                QmpSession qmp, IncomingLoad load, Expectation expectation, VmNic nic, boolean disk, NodeContext node,
                StateStore store, VmRegistry registry) implements Landing.PreparedCopy {
    private static final Logger LOG = LoggerFactory.getLogger(QemuCopy.class);
    private static final Duration LOAD_WAIT = Duration.ofSeconds(30);

    @Override
    public String lost() {
        if (process.exited()) {
            return "the incoming QEMU exited";
        }
        if (expectation.completion().isCompletedExceptionally()) {
            return "the migration stream broke";
        }
        return null;
    }

    // paused -- load completed --> commit point (incoming.json renamed resume.json) -- cont --> runs here
    @Override
    public long commit() throws Exception {
        long t0 = System.nanoTime();
        QmpOps ops = new QmpOps(qmp, QemuLanding.QMP_TIMEOUT);
        // The source's disk writes ended before its final pass, so the export can go while the
        // last of the stream still loads (the source saw "completed" at its last byte sent).
        if (disk) {
            DiskMirror.stopExport(ops);
        }
        load.awaitCompleted(ops, LOAD_WAIT);
        // The commit point: a daemon that dies after this rename resumes this QEMU when it comes
        // back (and tells a source that fences "committed"); before it, it drops it.
        Files.move(paths.incomingMarker(), paths.resumeMarker(), StandardCopyOption.ATOMIC_MOVE);
        ops.call("cont", null);
        return (System.nanoTime() - t0) / 1000;
    }

    /**
     * The guest runs here: from now on nothing fails the commit, since the source would resume its
     * own copy on a refusal. What goes wrong is logged and, where it matters, left for the next
     * daemon (which adopts the VM from its folder and resumes it if the resume marker is still there).
     */
    @Override
    public void arrived() {
        if (nic != null) {
            try {
                new QmpOps(qmp, QemuLanding.QMP_TIMEOUT).announceSelf();
            } catch (QmpOps.QmpFailure e) {
                LOG.warn("vm={} announce after the migration failed: {}; the network learns its place from its own traffic",
                        name, e.getMessage());
            }
        }
        try {
            AtomicFiles.delete(paths.resumeMarker());
        } catch (IOException e) {
            LOG.warn("vm={} resume marker not removed: {} (harmless: the next daemon finds the VM running)", name, e.toString());
        }
        new Cleanup(name).step("close QMP", qmp::close).step("close the pidfd", process::close)
                .step("close the expectation", expectation::close);
        try {
            registry.adopt(vm, runtime);
        } catch (IOException | RuntimeException e) {
            LOG.error("vm={} runs here (QEMU pid {}) but could not be taken into supervision", name, runtime.pid(), e);
            node.events().publish(VmEvent.warning(name, "MigratedInUnsupervised", "the VM runs here (QEMU pid "
                    + runtime.pid() + ") but its supervisor failed: " + e.getMessage() + "; restart vmmd to adopt it"));
            return;
        }
        node.events().publish(VmEvent.normal(name, "MigratedIn", "now runs here (QEMU pid " + runtime.pid() + ")"));
    }

    @Override
    public void discard(String why) {
        LOG.warn("vm={} dropping incoming migration {}: {}", name, id, why);
        List<String> failed = removeAll();
        node.events().publish(VmEvent.warning(name, "IncomingMigrationAborted",
                failed.isEmpty() ? why : why + " (cleanup: " + String.join("; ", failed) + ")"));
    }

    /**
     * Every step of removing the copy, each whatever the others did; the hold on the name goes last
     * and always. vm.json goes first of the folder (the walk deletes in reverse name order), so a
     * removal that fails midway leaves nothing a restarted daemon would take for a VM; what is left
     * keeps its incoming marker and goes at the next start or the next prepare of that VM.
     *
     * @return what failed
     */
    List<String> removeAll() {
        Cleanup c = new Cleanup(name);
        try {
            if (qmp != null) {
                c.step("close QMP", qmp::close);
            }
            if (process != null) {
                c.step("kill QEMU", () -> {
                    process.kill();
                    if (!process.awaitExit(2000)) {
                        throw new IllegalStateException("QEMU pid " + process.pid() + " did not exit within 2 s of SIGKILL");
                    }
                });
                c.step("close the pidfd", process::close);
            }
            if (expectation != null) {
                c.step("close the expectation", expectation::close);
            }
            if (nic != null) {
                c.step("detach the NIC", () -> node.network().detach(name));
            }
            c.step("remove the folder", () -> store.deleteVm(name));
        } finally {
            registry.arrivalCancelled(name, id);
        }
        return c.failures();
    }
}
