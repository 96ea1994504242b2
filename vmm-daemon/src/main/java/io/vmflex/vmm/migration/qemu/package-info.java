/**
 * What a live migration asks of QEMU, at either end, in one place so that the daemon and the
 * migration benchmark's direct QEMU-to-QEMU baseline ({@code io.vmflex.cli.bench}) run exactly the
 * same QMP steps: capabilities and parameters ({@link io.vmflex.vmm.migration.qemu.MigrationTuning}),
 * the root disk's NBD mirror ({@link io.vmflex.vmm.migration.qemu.DiskMirror}), the hold on the
 * switch-over until the first pass is sent ({@link io.vmflex.vmm.migration.qemu.SwitchoverHold}),
 * and the target's wait for its load to complete ({@link io.vmflex.vmm.migration.qemu.IncomingLoad}).
 * No orchestration and no daemon-to-daemon traffic here: those are {@code ..migration.outgoing},
 * {@code ..migration.incoming} and the {@code migration/} module.
 */
package io.vmflex.vmm.migration.qemu;
