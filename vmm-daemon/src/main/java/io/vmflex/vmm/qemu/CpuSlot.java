package io.vmflex.vmm.qemu;

/**
 * One entry of QMP {@code query-hotpluggable-cpus}: a place a vCPU can be, and the vCPU in it if any.
 *
 * @param type    the QEMU CPU driver to {@code device_add} for this slot (e.g. {@code qemu64-x86_64-cpu})
 * @param qomPath where the plugged vCPU lives, or null when the slot is empty. Boot CPUs live under
 *                {@code /machine/unattached}; CPUs the daemon hot-plugged under {@code /machine/peripheral/<id>}.
 */
public record CpuSlot(int socketId, int coreId, int threadId, String type, String qomPath) {
    private static final String PERIPHERAL = "/machine/peripheral/";

    public boolean plugged() {
        return qomPath != null;
    }

    /** True for CPUs added by {@code device_add}; only these can be unplugged. */
    public boolean hotplugged() {
        return qomPath != null && qomPath.startsWith(PERIPHERAL);
    }

    /** The device id a hot-plugged vCPU has, or the id the daemon gives it when plugging it. */
    public String deviceId() {
        return hotplugged() ? qomPath.substring(PERIPHERAL.length()) : "cpu-" + socketId + "-" + coreId + "-" + threadId;
    }
}
