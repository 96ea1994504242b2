package io.vmflex.vmm.migration.outgoing;

import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.MigrationSource;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.supervisor.HandedVm;

import java.util.function.Consumer;

/**
 * One run of an outgoing migration as its steps share it: the request, the VM handed over by its
 * supervisor, the status so far, and what the steps opened (the RAM relay, the disk mirror, the
 * commit's connection), which {@link #close} releases whatever step the run ended in. The steps are
 * records that carry their own data; this is the context they act through.
 *
 * <p>Not thread-safe: the supervisor's thread, which runs the steps. What other threads send
 * comes through {@link Signals}.
 */
final class MigrationRun implements AutoCloseable {
    final OutgoingMigration.Request request;
    final ClusterSecret secret;
    /** Every connection to the target: the relays, the disk relay, the control calls. */
    final RelayOptions relayOptions;
    final NodeContext node;
    final HandedVm vm;
    final Signals signals;
    final TargetControl target;
    private final Consumer<MigrationStatus> publish;
    private final Consumer<MigrationStatus> onStatus;
    private MigrationStatus status;
    /** From Stream on: the relay of QEMU's migration stream. */
    private MigrationSource relay;
    /** From Mirror on: the disk relay and the source QEMU's mirror job, which roll-back removes. */
    private OutgoingDiskMirror diskMirror;
    /** From Stream on: the connection the commit goes over, authenticated ahead of time. */
    private ControlPath.Held commitLink;

    /**
     * @param publish  every status change, for the migration list
     * @param onStatus every status change, for the supervisor's view of the VM
     * @param target   the way to the target daemon's control service
     */
    MigrationRun(OutgoingMigration.Request request, ClusterSecret secret, RelayOptions relayOptions, NodeContext node,
            HandedVm vm, Signals signals, MigrationStatus initial, Consumer<MigrationStatus> publish,
            Consumer<MigrationStatus> onStatus, ControlPath target) {
        this.request = request;
        this.secret = secret;
        this.relayOptions = relayOptions;
        this.node = node;
        this.vm = vm;
        this.signals = signals;
        this.target = new TargetControl(request.id(), target);
        this.status = initial;
        this.publish = publish;
        this.onStatus = onStatus;
    }

    MigrationStatus status() {
        return status;
    }

    /** A new status, published. */
    void update(MigrationStatus s) {
        status = s;
        publish.accept(s);
        onStatus.accept(s);
    }

    /** A new status kept for the next {@link #update}: nothing is written while the guest is paused. */
    void amend(MigrationStatus s) {
        status = s;
    }

    /** A roll-back for a cancel: the first cancel's reason becomes the message. */
    RollBack cancelled(boolean targetPrepared) {
        return new RollBack(MigrationPhase.Cancelled, "Cancelled", signals.cancelReason(), targetPrepared);
    }

    /** A roll-back for a failure. */
    static RollBack failed(String reason, String message, boolean targetPrepared) {
        return new RollBack(MigrationPhase.Failed, reason, message, targetPrepared);
    }

    /** The roll-back of a step whose thread was interrupted: the daemon is stopping. */
    static RollBack interrupted() {
        Thread.currentThread().interrupt();
        return failed("Interrupted", "the daemon is stopping", true);
    }

    MigrationSource relay() {
        return relay;
    }

    void relay(MigrationSource r) {
        relay = r;
    }

    OutgoingDiskMirror diskMirror() {
        return diskMirror;
    }

    void diskMirror(OutgoingDiskMirror m) {
        diskMirror = m;
        signals.diskMirror(m);
    }

    ControlPath.Held commitLink() {
        return commitLink;
    }

    void commitLink(ControlPath.Held link) {
        commitLink = link;
    }

    /** Closes the relays (RAM and disk), idempotent; roll-back cuts them before it resumes the guest. */
    void closeRelays() {
        if (relay != null) {
            relay.close();
        }
        if (diskMirror != null) {
            diskMirror.close();
        }
    }

    /** Why the RAM relay failed, as a suffix for a message; empty if it did not. */
    String relayCause() {
        return relayCause(relay);
    }

    /** Why {@code relay} failed, as a suffix for a message; empty if it did not (or is null). */
    static String relayCause(MigrationSource relay) {
        if (relay == null || !relay.completion().isCompletedExceptionally()) {
            return "";
        }
        try {
            relay.completion().join();
            return "";
        } catch (RuntimeException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            return " (relay: " + message(c) + ")";
        }
    }

    static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    @Override
    public void close() {
        closeRelays();
        if (commitLink != null) {
            commitLink.close();
        }
    }
}
