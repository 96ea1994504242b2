package io.vmflex.api.admin;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * The node check: what this node can run VMs with, as {@code GET /v1/node} and
 * {@code vmctl check-node} show it.
 *
 * @param accelReason why {@code accel} was chosen, in one sentence
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeInfo(String name, Kvm kvm, HardwareVirtualization hardwareVirtualization, String accel,
                       String accelReason, Cgroup cgroup, Tun tun, Qemu qemu, int vms) {

    /** @param selfTest "passed", or "failed: reason", or "not run: reason" */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Kvm(String device, boolean present, Integer apiVersion, Integer maxVcpus, Integer memorySlots,
                      String selfTest, String error) {
    }

    public record HardwareVirtualization(boolean present, List<String> flags) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cgroup(String root, String parent, List<String> available, List<String> missing, String error) {
    }

    public record Tun(boolean present) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Qemu(String binary, String version, String error) {
    }
}
