package io.vmflex.api.vm;

/**
 * Deprecated NeonVM field {@code guest.memoryProvider} (removed from NeonVM in 2025, where it was
 * already ignored and read as VirtioMem). Accepted so that older manifests parse; vmflex always
 * uses virtio-mem.
 */
public enum MemoryProvider {
    DIMMSlots,
    VirtioMem
}
