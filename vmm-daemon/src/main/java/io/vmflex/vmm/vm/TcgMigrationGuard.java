package io.vmflex.vmm.vm;

import java.util.Optional;

/**
 * Refuses the one VM memory layout that QEMU 9.0 and later cannot migrate under TCG.
 *
 * <p>Why: under TCG the dirty-bitmap sync re-arms write tracking with a RAM block's offset
 * relative to the block where QEMU expects an absolute one. vmmd's virtio-mem backend is created
 * before the machine's RAM, so it sits at RAM offset 0 and {@code pc.ram} follows it; syncing a
 * {@code pc.ram} larger than the virtio-mem region then spans two blocks and QEMU aborts the
 * source ({@code physmem.c tlb_reset_dirty_range_all: Assertion 'block ==
 * qemu_get_ram_block(end - 1)' failed}) at the end of the first pass, taking the VM with it. A
 * refused migration leaves the VM running; an attempted one would kill it. KVM does not take that
 * path.
 *
 * <p>Immutable; thread-safe.
 *
 * @param active whether this node runs QEMU 9.0 or later under TCG
 */
public record TcgMigrationGuard(boolean active) {

    /** A guard for a node whose accelerator is TCG or not, running QEMU {@code qemuMajor}. */
    public static TcgMigrationGuard of(boolean tcg, int qemuMajor) {
        return new TcgMigrationGuard(tcg && qemuMajor >= 9);
    }

    /** Why {@code spec}'s VM must not be migrated here, or empty when it may. */
    public Optional<String> refusal(SpecView spec) {
        long boot = spec.baseMemoryBytes();
        long hotplug = spec.hotplugMemoryBytes();
        if (!active || hotplug == 0 || boot <= hotplug) {
            return Optional.empty();
        }
        return Optional.of("VM " + spec.name() + " has more boot memory (" + (boot >> 20) + " MiB) than hot-plug memory ("
                + (hotplug >> 20) + " MiB): QEMU 9+ under TCG aborts the source in such a migration "
                + "(tlb_reset_dirty_range_all assertion), so it is refused; KVM nodes are not affected");
    }
}
