package io.vmflex.vmm.migration.incoming;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the one VM of a test runs, across its nodes, as their fake QEMUs report it; and every
 * moment a copy was resumed while another ran: the failure a lost commit must never cause.
 *
 * <p>Thread-safe.
 */
public final class VmCopies {
    private final Map<String, Boolean> running = new TreeMap<>();
    private final List<String> overlaps = new ArrayList<>();

    /** The VM's QEMU on {@code node} runs the guest now. */
    public synchronized void resumed(String node) {
        running.forEach((other, runs) -> {
            if (runs && !other.equals(node)) {
                overlaps.add("resumed on " + node + " while it runs on " + other);
            }
        });
        running.put(node, true);
    }

    /** The VM's QEMU on {@code node} holds the guest paused. */
    public synchronized void paused(String node) {
        running.put(node, false);
    }

    /** No QEMU of the VM is left on {@code node}. */
    public synchronized void gone(String node) {
        running.remove(node);
    }

    /** The nodes where the guest runs now. */
    public synchronized List<String> runningOn() {
        return running.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
    }

    /** The nodes that hold a QEMU of the VM, running or paused. */
    public synchronized List<String> heldOn() {
        return List.copyOf(running.keySet());
    }

    /** Each time two copies ran at once. */
    public synchronized List<String> overlaps() {
        return List.copyOf(overlaps);
    }
}
