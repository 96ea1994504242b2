/**
 * Owning the VMs of this node: {@link io.vmflex.vmm.supervisor.VmRegistry} (the VMs by name) and one
 * {@link io.vmflex.vmm.supervisor.VmSupervisor} per VM, the only code that touches its QEMU. The
 * supervisor's thread runs the reconcile ladder (QEMU exited? launch? QMP? guest paused? scale) and
 * its helpers: {@code QemuLifecycle} (launch, re-adopt, exit, restart policy), {@code QemuHandles}
 * (pidfd, QMP, console), {@code RunStateWatch} and {@code RunStateRule} (QEMU's run state; resuming
 * a guest left paused), {@code GuestLink} (the guest monitor's channel), {@code StatusWriter} and
 * {@code StatusMapper} (status from observation, {@code vm.json}). Resizing is delegated to
 * {@code io.vmflex.vmm.scaling}.
 *
 * <p>A VM is handed, never shared: a live migration gets it through
 * {@link io.vmflex.vmm.supervisor.Departure} on the supervisor's thread, settling work through
 * {@link io.vmflex.vmm.supervisor.QemuWork}, and a re-adopted VM passes a
 * {@link io.vmflex.vmm.supervisor.RecoveryHook}. This package knows nothing of how a migration works;
 * the migration packages depend on it, not the other way round.
 */
package io.vmflex.vmm.supervisor;
