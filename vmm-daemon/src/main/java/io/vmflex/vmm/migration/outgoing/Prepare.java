package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.migration.HandshakeException;
import io.vmflex.netbridge.VmMac;
import io.vmflex.sys.netlink.MacAddress;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.migration.qemu.MigrationTuning;
import io.vmflex.vmm.qemu.CpuSlot;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.supervisor.HandedVm;

import static io.vmflex.vmm.migration.outgoing.MigrationRun.failed;
import static io.vmflex.vmm.migration.outgoing.MigrationRun.message;

/**
 * Has the target start a paused QEMU with the devices this VM's QEMU has now: a snapshot of the
 * plugged vCPUs and virtio-mem size, the VM's IP and MAC, and whether it has a root disk to carry.
 */
record Prepare() implements Step {

    Step next(MigrationRun run) {
        boolean mirrorDisk;
        try {
            mirrorDisk = DiskMirror.hasRootDisk(run.vm.ops());
        } catch (QmpOps.QmpFailure e) {
            // Prepare -- QEMU does not answer --> RollBack (nothing on the target yet)
            return failed("PrepareFailed", message(e), false);
        }
        try {
            run.target.call(request(run, mirrorDisk), TargetControl.CONTROL_TIMEOUT);
        } catch (TargetControl.TargetRefused | HandshakeException e) {
            // Prepare -- refused, or never let in --> RollBack: the target cleaned up its half-made QEMU
            return failed("PrepareFailed", message(e), false);
        } catch (Exception e) {
            // Prepare -- no answer --> RollBack: the target may have prepared after all
            return failed("PrepareFailed", message(e), true);
        }
        if (run.signals.cancelRequested()) {
            // Prepare -- cancel --> RollBack
            return run.cancelled(true);
        }
        // Prepare -- target QEMU waits --> Mirror (root disk) or Stream
        return mirrorDisk ? new Mirror() : new Stream(false);
    }

    /** The {@code prepare} request: the VM and the devices its QEMU has now, hot-plugged ones included. */
    private static ObjectNode request(MigrationRun run, boolean mirrorDisk) throws QmpOps.QmpFailure {
        HandedVm vm = run.vm;
        OutgoingMigration.Request request = run.request;
        ObjectNode prepare = run.target.request("prepare");
        prepare.set("vm", TargetControl.JSON.valueToTree(vm.vm()));
        prepare.put("channels", MigrationTuning.connections(request.multifdChannels()));
        prepare.put("multifdChannels", request.multifdChannels());
        prepare.put("disk", mirrorDisk);
        // The target gives up on a silent source after as long as the source waits for progress.
        prepare.put("progressTimeoutSeconds", request.timeouts().progress().toSeconds());
        var cpus = prepare.putArray("pluggedCpus");
        for (CpuSlot c : vm.ops().hotpluggableCpus()) {
            if (c.hotplugged()) {
                cpus.addObject().put("type", c.type()).put("id", c.deviceId()).put("socketId", c.socketId())
                        .put("coreId", c.coreId()).put("threadId", c.threadId());
            }
        }
        prepare.put("virtioMemRequestedBytes",
                vm.spec().hotplugMemoryBytes() > 0 ? vm.ops().virtioMemLong("requested-size") : 0);
        // The VM keeps its address and MAC on the target (flat L2 overlay).
        if (run.node.network() != null) {
            run.node.network().pool().lookup(vm.name()).ifPresent(ip -> prepare.put("ip", ip.getHostAddress()));
            prepare.put("mac", MacAddress.format(VmMac.of(vm.name())));
        }
        return prepare;
    }
}
