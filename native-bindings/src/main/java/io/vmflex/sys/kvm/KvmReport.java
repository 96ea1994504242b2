package io.vmflex.sys.kvm;

/**
 * What {@link KvmProbe} found out about a KVM device. Immutable.
 *
 * @param present     whether the device node exists
 * @param apiVersion  {@code KVM_GET_API_VERSION} (12 on every usable kernel), -1 if not read
 * @param maxVcpus    vCPUs per VM ({@code KVM_CAP_MAX_VCPUS}, else {@code KVM_CAP_NR_VCPUS}, else 4
 *                    as the KVM API documents), 0 if not read
 * @param memorySlots memory slots per VM ({@code KVM_CAP_NR_MEMSLOTS}), 0 if not read
 * @param selfTest    outcome of the real-mode guest; {@code Failed} with the reason when it was
 *                    not run because an earlier step failed
 * @param error       why the probe stopped early, or {@code null} if every step ran
 */
public record KvmReport(boolean present, int apiVersion, int maxVcpus, int memorySlots,
                        SelfTest selfTest, String error) {

    /** Whether QEMU may use {@code -accel kvm}: device present, API 12, and the guest ran. */
    public boolean usable() {
        return present && apiVersion == KvmIoctls.KVM_API_VERSION && selfTest.passed();
    }

    static KvmReport failed(boolean present, int apiVersion, String error) {
        return new KvmReport(present, apiVersion, 0, 0, new SelfTest.Failed("not run: " + error), error);
    }
}
