package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.netbridge.VmMac;
import io.vmflex.sys.netlink.MacAddress;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.migration.qemu.MigrationTuning;
import io.vmflex.vmm.qemu.CpuSlot;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.qemu.SshKeyPair;
import io.vmflex.vmm.supervisor.HandedVm;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

import static io.vmflex.vmm.migration.outgoing.MigrationRun.failed;
import static io.vmflex.vmm.migration.outgoing.MigrationRun.message;

/**
 * Has the target start a paused QEMU with the devices this VM's QEMU has now: a snapshot of the
 * plugged vCPUs and virtio-mem size, the VM's IP and MAC, and whether it has a root disk to carry.
 * Only a refusal, or a request that never reached the target, means nothing was prepared there; an
 * answer that is slow or lost may hide a target that did prepare, and that one is told to abort.
 */
record Prepare() implements Step {
    private static final ObjectMapper JSON = ApiMapper.json();

    Step next(MigrationRun run) {
        QemuRuntime qemu = run.vm.runtime();
        if (qemu != null && qemu.cpuUnplugs() > 0 && !run.node.migrateAfterCpuUnplugSafe()) {
            // Prepare -- this QEMU would hang in the stream's setup --> RollBack (nothing on the target yet)
            return failed("NotMigratable", "a vCPU was unplugged from this VM's QEMU, which under TCG cannot migrate"
                    + " after that before QEMU 10.2 (its first memory sync waits on the removed vCPU forever); the VM keeps"
                    + " running here: restart it (a new QEMU) to make it movable again, or run on KVM", false);
        }
        List<String> disks;
        ControlRequest.Prepare request;
        try {
            disks = DiskMirror.disks(run.vm.ops());
            request = request(run, !disks.isEmpty());
        } catch (QmpOps.QmpFailure e) {
            // Prepare -- QEMU does not answer --> RollBack (nothing on the target yet)
            return failed("PrepareFailed", message(e), false);
        }
        ControlReply reply;
        try {
            reply = run.target.prepare(request);
        } catch (ControlPath.NotDelivered e) {
            // Prepare -- never reached the target --> RollBack (nothing on the target)
            return failed("PrepareFailed", message(e), false);
        } catch (IOException e) {
            // Prepare -- no answer in time --> RollBack: the target may have prepared after all, abort it
            return failed("PrepareFailed", "no answer to prepare: " + message(e), true);
        }
        switch (reply) {
            case ControlReply.Done done -> {
                // prepared
            }
            case ControlReply.Refused r -> {
                // Prepare -- refused --> RollBack: the target cleaned up its half-made QEMU
                return failed("PrepareFailed", "target refused prepare: " + r.error(), false);
            }
            default -> {
                // Prepare -- an answer prepare never gets --> RollBack, and abort whatever the target made
                return failed("PrepareFailed", "unexpected answer to prepare: " + reply, true);
            }
        }
        if (run.signals.cancelRequested()) {
            // Prepare -- cancel --> RollBack
            return run.cancelled(true);
        }
        // Prepare -- target QEMU waits --> Mirror (root or data disks) or Stream
        return disks.isEmpty() ? new Stream(false) : new Mirror(disks);
    }

    /** The {@code prepare} request: the VM and the devices its QEMU has now, hot-plugged ones included. */
    private static ControlRequest.Prepare request(MigrationRun run, boolean mirrorDisk) throws QmpOps.QmpFailure {
        HandedVm vm = run.vm;
        OutgoingMigration.Request request = run.request;
        List<ControlRequest.PluggedCpu> cpus = new ArrayList<>();
        for (CpuSlot c : vm.ops().hotpluggableCpus()) {
            if (c.hotplugged()) {
                cpus.add(new ControlRequest.PluggedCpu(c.type(), c.deviceId(), c.socketId(), c.coreId(), c.threadId()));
            }
        }
        long virtioMem = vm.spec().hotplugMemoryBytes() > 0 ? vm.ops().virtioMemLong("requested-size") : 0;
        // The VM keeps its address and MAC on the target (flat L2 overlay).
        String ip = null;
        String mac = null;
        if (run.node.network() != null) {
            ip = run.node.network().pool().lookup(vm.name()).map(Inet4Address::getHostAddress).orElse(null);
            mac = MacAddress.format(VmMac.of(vm.name()));
        }
        return new ControlRequest.Prepare(request.id(), JSON.valueToTree(vm.vm()),
                MigrationTuning.connections(request.multifdChannels()), request.multifdChannels(), mirrorDisk,
                // The target gives up on a silent source after as long as the source waits for progress.
                request.timeouts().progress().toSeconds(), cpus, virtioMem, ip, mac,
                SshKeyPair.files(vm.paths()).map(k -> new ControlRequest.SshKey(k.publicLine(), k.privatePem())).orElse(null));
    }
}
