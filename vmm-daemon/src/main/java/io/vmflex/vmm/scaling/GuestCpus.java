package io.vmflex.vmm.scaling;

/**
 * The guest's side of {@code cpuScalingMode: SysfsScaling}, as the {@link Scaler} sees it: how many
 * vCPUs the guest last said are online, and a way to ask it for another number (over the guest
 * channel; the answer arrives later and shows in {@link #online()}).
 *
 * <p>Implementations are thread-safe: the scaler calls from the supervisor's thread, answers come
 * on the channel's.
 */
public interface GuestCpus {
    /** For QmpScaling VMs and tests: a guest that never answers. */
    GuestCpus NONE = new GuestCpus() {
        @Override
        public int online() {
            return -1;
        }

        @Override
        public void request(int cpus) {
        }

        @Override
        public void reset() {
        }
    };

    /** vCPUs online in the guest by its last answer; -1 while it has not answered since QEMU started. */
    int online();

    /** Asks the guest to keep {@code cpus} online; a no-op while the same request is under way. */
    void request(int cpus);

    /** A new QEMU runs: what the previous guest said no longer holds. */
    void reset();
}
