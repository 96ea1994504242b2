package io.vmflex.api.vm;

/** How vCPUs are scaled, as NeonVM's {@code spec.cpuScalingMode}. */
public enum CpuScalingMode {
    /** Hot-plug and unplug vCPUs through QMP. */
    QmpScaling,
    /** Keep all vCPUs plugged and online/offline them through sysfs in the guest. */
    SysfsScaling
}
