package io.vmflex.cli.kube;

import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.kube.migration.Knobs;
import io.vmflex.kube.migration.NodeMigrations;
import io.vmflex.vmm.migration.outgoing.MigrationTimeouts;
import io.vmflex.vmm.migration.outgoing.OutgoingMigrations;
import io.vmflex.vmm.migration.outgoing.TargetAddress;

import java.time.Duration;
import java.util.Optional;

/**
 * The migration controller's port over the daemon in the same process: {@link OutgoingMigrations}, the
 * very object {@code POST /v1/vms/{name}/migrate} starts migrations with, so a VirtualMachineMigration
 * runs the same relayed migration as {@code vmctl migrate}.
 *
 * <p>Thread-safe (OutgoingMigrations is).
 */
public final class DaemonNodeMigrations implements NodeMigrations {
    private final OutgoingMigrations migrations;

    public DaemonNodeMigrations(OutgoingMigrations migrations) {
        this.migrations = migrations;
    }

    @Override
    public String start(String localName, String target, Knobs knobs) {
        var started = migrations.start(localName, TargetAddress.parse(target), knobs.downtimeLimitMs(), knobs.maxBandwidthMbps(),
                knobs.multifdChannels(), new MigrationTimeouts(Duration.ofSeconds(knobs.completionTimeoutPerGiBSeconds()),
                        Duration.ofSeconds(knobs.progressTimeoutSeconds())));
        return started.initial().id();
    }

    @Override
    public Optional<MigrationStatus> get(String id) {
        return migrations.get(id);
    }

    @Override
    public void cancel(String id) {
        migrations.cancel(id);
    }
}
