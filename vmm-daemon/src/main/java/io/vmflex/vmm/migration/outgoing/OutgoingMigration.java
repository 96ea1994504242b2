package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.migration.qemu.MigrationTuning;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.supervisor.Departure;
import io.vmflex.vmm.supervisor.HandedVm;

import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The source side of one live migration, run by the VM's supervisor on its own thread (so no
 * reconcile step runs meanwhile): a state machine whose steps are records of their own
 * ({@link Prepare}, {@link Mirror}, {@link Stream}, {@link Watch}, {@link SwitchOver},
 * {@link Commit}, {@link RollBack}, {@link Done}); the diagram is in {@code package-info.java}.
 *
 * <p>Thread-safety: {@link #run} on the supervisor's thread only; {@link #requestCancel} and
 * {@link #onQmpEvent} from any thread (through {@link Signals}).
 */
final class OutgoingMigration implements Departure {
    /**
     * What the operator asked for.
     *
     * @param multifdChannels 1 for a plain single-stream migration, N &ge; 2 for multifd with N channels
     */
    record Request(UUID id, InetSocketAddress target, long downtimeLimitMs, long maxBandwidthMbps,
                   int multifdChannels, MigrationTimeouts timeouts) {
        Request {
            MigrationTuning.checkChannels(multifdChannels);
        }
    }

    private final Request request;
    private final ClusterSecret secret;
    private final RelayOptions relayOptions;
    private final NodeContext node;
    private final MigrationStatus initial;
    private final Consumer<MigrationStatus> publish;
    private final ControlPath control;
    private final Signals signals = new Signals();

    /**
     * @param relayOptions how every connection to the target is made (encrypted or, opted out, in clear)
     * @param publish      every status change, for the migration list; any thread may read what it keeps
     * @param control      the way to the target daemon's control service
     */
    OutgoingMigration(Request request, ClusterSecret secret, RelayOptions relayOptions, NodeContext node,
            MigrationStatus initial, Consumer<MigrationStatus> publish, ControlPath control) {
        this.request = request;
        this.secret = secret;
        this.relayOptions = relayOptions;
        this.node = node;
        this.initial = initial;
        this.publish = publish;
        this.control = control;
    }

    @Override
    public UUID id() {
        return request.id();
    }

    @Override
    public String target() {
        return request.target().getHostString() + ":" + request.target().getPort();
    }

    /** The operator's cancel; any thread. */
    Signals.CancelAnswer requestCancel() {
        return signals.requestCancel("cancelled by the operator");
    }

    @Override
    public void cancel(String why) {
        signals.requestCancel(why);
    }

    @Override
    public boolean onQmpEvent(String event, JsonNode data) {
        return signals.onQmpEvent(event, data);
    }

    @Override
    public boolean run(HandedVm vm, Consumer<MigrationStatus> onStatus) {
        onStatus.accept(initial);
        Step step = new Prepare();
        try (MigrationRun run = new MigrationRun(request, secret, relayOptions, node, vm, signals, initial, publish,
                onStatus, control)) {
            try {
                while (!(step instanceof Done)) {
                    step = switch (step) {
                        // Prepare -- target QEMU waits --> Mirror (root disk) | Stream;  error, cancel --> RollBack
                        case Prepare p -> p.next(run);
                        // Mirror -- root disk in sync --> Stream;  failed, stalled, cancel --> RollBack
                        case Mirror m -> m.next(run);
                        // Stream -- QEMU migrating --> Watch;  error --> RollBack
                        case Stream s -> s.next(run);
                        // Watch -- completed --> Commit;  pre-switchover --> SwitchOver;
                        //       failed, relay broke, timeout, disk writes stalled, cancel --> RollBack
                        case Watch w -> w.next(run);
                        // SwitchOver -- disk mirror completed, migrate-continue --> Watch;  error --> RollBack
                        case SwitchOver s -> s.next(run);
                        // Commit -- target resumed the VM --> Done(moved);  refused, not run there, cancel --> RollBack;
                        //        daemon stopping with the answer unknown --> Done(unresolved)
                        case Commit c -> c.next(run);
                        // RollBack -- VM runs here, target told to drop its copy --> Done(stayed)
                        case RollBack r -> r.next(run);
                        case Done d -> d;
                    };
                }
            } finally {
                signals.finish();
            }
        } finally {
            if (!(step instanceof Done d && d.unresolved())) {
                InterruptedMigration.delete(vm.paths());
            }
        }
        return ((Done) step).moved();
    }
}
