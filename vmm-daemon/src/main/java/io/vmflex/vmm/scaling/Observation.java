package io.vmflex.vmm.scaling;

import io.vmflex.api.vm.VmPhase;

/**
 * What the supervisor last saw of its VM, the raw material of {@code status}: the phase, what QEMU
 * reports as plugged, and why the VM is not running when it is not.
 *
 * @param cpus        vCPUs QEMU reports plugged (0 when QEMU is not running)
 * @param memoryBytes boot memory plus virtio-mem plugged size (0 when not running)
 * @param pid         QEMU's pid, 0 when not running
 * @param reason      short CamelCase reason for the Ready condition
 * @param message     one line for humans
 */
public record Observation(VmPhase phase, int cpus, long cpuMillis, long memoryBytes, int pid, String accel,
                          int restartCount, String reason, String message) {

    public Observation withPhase(VmPhase p, String r, String m) {
        return new Observation(p, cpus, cpuMillis, memoryBytes, pid, accel, restartCount, r, m);
    }
}
