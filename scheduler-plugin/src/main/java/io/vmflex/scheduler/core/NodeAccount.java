package io.vmflex.scheduler.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One node's books: capacity after the host reserve, the watermark, what is reserved, and the VMs
 * that hold the reservations. {@code reserved} is kept equal to the sum of the VMs' reservations by
 * {@link #add}, {@link #remove} and {@link #adjust}, the only writers. Mutable; owned by
 * {@link Accounts}, not thread-safe.
 */
final class NodeAccount {
    final String name;
    long totalCpu;
    long totalMem;
    long capacityCpu;
    long capacityMem;
    long watermarkCpu;
    long watermarkMem;
    long reservedCpu;
    long reservedMem;
    /** Whether the node has reported what it runs since this scheduler started. */
    boolean synced;
    /** Insertion order, so that views and reports are deterministic. */
    final Map<String, VmAccount> vms = new LinkedHashMap<>();

    NodeAccount(String name) {
        this.name = name;
    }

    void setCapacity(long totalCpu, long totalMem, long reserveCpu, long reserveMem, double watermarkFraction) {
        this.totalCpu = totalCpu;
        this.totalMem = totalMem;
        this.capacityCpu = Math.max(0, totalCpu - reserveCpu);
        this.capacityMem = Math.max(0, totalMem - reserveMem);
        this.watermarkCpu = (long) Math.floor(capacityCpu * watermarkFraction);
        this.watermarkMem = (long) Math.floor(capacityMem * watermarkFraction);
    }

    long freeCpu() {
        return Math.max(0, capacityCpu - reservedCpu);
    }

    long freeMem() {
        return Math.max(0, capacityMem - reservedMem);
    }

    void add(VmAccount vm) {
        vms.put(vm.name, vm);
        reservedCpu += vm.reservedCpu;
        reservedMem += vm.reservedMem;
    }

    void remove(VmAccount vm) {
        vms.remove(vm.name);
        reservedCpu -= vm.reservedCpu;
        reservedMem -= vm.reservedMem;
    }

    /** Sets one VM's reservation and moves the node's total by the difference. */
    void adjust(VmAccount vm, long newCpu, long newMem) {
        reservedCpu += newCpu - vm.reservedCpu;
        reservedMem += newMem - vm.reservedMem;
        vm.reservedCpu = newCpu;
        vm.reservedMem = newMem;
    }
}
