package io.vmflex.vmm.migration.outgoing;

import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.RelayOptions;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.migration.qemu.DiskMirror;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QmpOps;
import io.vmflex.vmm.supervisor.HandedVm;
import io.vmflex.vmm.supervisor.VmRegistry;
import io.vmflex.vmm.supervisor.VmSupervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Settles, at daemon start, the outgoing migrations a previous daemon left unfinished (a VM folder
 * with {@code outgoing.json}, {@link InterruptedMigration}): asks each target, in the background,
 * until it says whether it runs the VM, then drops this node's copy or resumes it.
 *
 * <p>Thread-safe: each VM is settled on a virtual thread of its own.
 */
final class InterruptedMigrations {
    private static final Logger LOG = LoggerFactory.getLogger(InterruptedMigrations.class);
    private static final Duration ASK_AGAIN = Duration.ofSeconds(10);
    private static final int ASK_AT_MOST = 360;

    private final NodeContext node;
    private final VmRegistry registry;
    private final ClusterSecret secret;
    private final RelayOptions relayOptions;

    InterruptedMigrations(NodeContext node, VmRegistry registry, ClusterSecret secret, RelayOptions relayOptions) {
        this.node = node;
        this.registry = registry;
        this.secret = secret;
        this.relayOptions = relayOptions;
    }

    /** Finds migrations a previous daemon left unfinished and settles each with its target, in the background. */
    void settleInBackground() {
        for (String name : registry.names()) {
            registry.get(name).flatMap(s -> InterruptedMigration.read(s.paths())).ifPresent(m ->
                    Thread.ofVirtual().name("settle-" + name).start(() -> settle(name, m)));
        }
    }

    private void settle(String name, InterruptedMigration.Marker m) {
        for (int attempt = 0; attempt < ASK_AT_MOST; attempt++) {
            var s = registry.get(name);
            if (s.isEmpty()) {
                return;
            }
            switch (InterruptedMigration.ask(m, name, secret, relayOptions)) {
                case InterruptedMigration.Decision.Moved moved -> {
                    node.events().publish(VmEvent.normal(name, "Migrated", "migration " + m.migrationId() + " to "
                            + m.target() + " completed while the daemon was down; the target runs the VM"));
                    registry.delete(name);
                    return;
                }
                case InterruptedMigration.Decision.StaysHere stays -> {
                    try {
                        stay(s.get(), m);
                        return;
                    } catch (Exception e) {
                        LOG.warn("vm={} resuming after interrupted migration {}: {}", name, m.migrationId(), e.toString());
                    }
                }
                case InterruptedMigration.Decision.Unknown u -> {
                    if (attempt % 6 == 0) {
                        node.events().publish(VmEvent.warning(name, "MigrationOutcomeUnknown", "migration "
                                + m.migrationId() + " to " + m.target() + " was interrupted and the target cannot say "
                                + "whether it runs the VM (" + u.why() + "); the VM is left as QEMU has it"));
                    }
                }
            }
            try {
                Thread.sleep(ASK_AGAIN.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * The target said it does not run the VM (and was told to abort): QEMU runs on here. QEMU may
     * have paused the guest at the end of the stream ({@code postmigrate}); resume it. On the VM's
     * supervisor thread, so no reconcile step runs meanwhile.
     */
    private void stay(VmSupervisor supervisor, InterruptedMigration.Marker m) throws Exception {
        supervisor.withQemu((vm, onMigrationStatus) -> {
            if (vm == null) {
                InterruptedMigration.delete(supervisor.paths());
                return;
            }
            resume(vm, m, onMigrationStatus);
        }).get();
    }

    private void resume(HandedVm vm, InterruptedMigration.Marker m, Consumer<MigrationStatus> onMigrationStatus)
            throws QmpOps.QmpFailure {
        QmpOps ops = vm.ops();
        // A daemon that died mid-migration may have left QEMU migrating or mirroring its disk.
        ops.call("migrate_cancel", null);
        DiskMirror.abandon(ops);
        String run = ops.status();
        if (!run.equals("running")) {
            ops.call("cont", null);
        }
        InterruptedMigration.delete(vm.paths());
        MigrationStatus last = vm.vm().status() == null ? null : vm.vm().status().migration();
        if (last != null && !last.phase().isFinal()) {
            onMigrationStatus.accept(last.finished(MigrationPhase.Failed, "Interrupted",
                    "the daemon stopped during the migration; the target does not run the VM, it runs here",
                    node.clock().instant()));
        }
        node.events().publish(VmEvent.warning(vm.name(), "MigrationRecovered", "migration " + m.migrationId() + " to "
                + m.target() + " was interrupted by a daemon restart; the target does not run the VM, so it runs here"
                + (run.equals("running") ? "" : " (resumed from " + run + ")")));
    }
}
