/**
 * Resizing a running VM: {@link io.vmflex.vmm.scaling.Scaler} observes what QEMU has plugged, asks
 * the pure {@code ScalePlan} for the idempotent {@code ScaleStep}s toward the spec, issues them
 * (vCPU {@code device_add}/{@code device_del}, virtio-mem {@code requested-size}) and observes again;
 * {@link io.vmflex.vmm.scaling.VmCgroup} enforces a fractional CPU through the VM's cgroup.
 * Used by the VM's supervisor on its own thread; decides nothing about when to scale (that is the
 * agent's job), only how to reach the spec.
 */
package io.vmflex.vmm.scaling;
