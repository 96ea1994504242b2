package io.vmflex.kube.node;

import io.vmflex.api.vm.VirtualMachine;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The node daemon as the node controller sees it: its VMs, and the spec changes only the controller
 * makes in Kubernetes mode. The {@code cli} module implements it over the daemon's {@code VmService}
 * and event bus, so this module knows no daemon class.
 *
 * <p>Implementations are thread-safe; calls block until the daemon has taken the change (a create is
 * stored, an update is applied by the VM's supervisor, a delete has stopped and cleaned the VM).
 */
public interface NodeVms {

    List<VirtualMachine> list();

    Optional<VirtualMachine> get(String localName);

    /** Creates the VM, or replaces the spec, labels and annotations of the one of that name. */
    Outcome apply(VirtualMachine desired);

    /** Stops the VM and removes it from the node; {@link Outcome.Done} also when there was none. */
    Outcome delete(String localName);

    /** Calls {@code listener} for every event the daemon reports, on the reporting thread (must not block). */
    AutoCloseable onEvent(Consumer<NodeEvent> listener);

    /** What a change came to. */
    sealed interface Outcome {
    }

    record Done() implements Outcome {
    }

    /** The daemon will not take it (invalid for this node, an immutable field changed, does not fit): one line, field first. */
    record Refused(String message) implements Outcome {
    }

    /** Not now (the VM is migrating, the disk failed): try again later. */
    record Busy(String message) implements Outcome {
    }

    /** One event of the node's event bus. @param vm the VM's local name, null for the node */
    record NodeEvent(Instant time, boolean warning, String vm, String reason, String message) {
    }
}
