/**
 * One QEMU process and how to talk to it: its command line and launch ({@code -daemonize}, pidfile),
 * its pidfd, its folder ({@link io.vmflex.vmm.qemu.VmPaths}), its runtime record, the spec in QEMU's
 * terms ({@link io.vmflex.vmm.qemu.SpecView}), and the typed, blocking QMP commands the daemon uses
 * ({@link io.vmflex.vmm.qemu.QmpOps} over a {@link io.vmflex.vmm.qemu.QmpChannel}; sessions come from
 * the Netty client in {@code io.vmflex.vmm.qmp} through {@link io.vmflex.vmm.qemu.QmpSessions}).
 * Knows no VM lifecycle and no migration.
 */
package io.vmflex.vmm.qemu;
