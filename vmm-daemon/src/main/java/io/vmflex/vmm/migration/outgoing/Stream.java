package io.vmflex.vmm.migration.outgoing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.vm.MigrationPhase;
import io.vmflex.migration.MigrationSource;
import io.vmflex.vmm.migration.qemu.MigrationTuning;
import io.vmflex.vmm.migration.qemu.SwitchoverHold;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.vmflex.vmm.migration.outgoing.MigrationRun.failed;
import static io.vmflex.vmm.migration.outgoing.MigrationRun.message;

/**
 * Starts QEMU's migration stream: the relay listens on {@code <vm>/migrate.sock}, the commit's
 * control connection opens ahead ({@link CommitLink}), QEMU gets the migration's capabilities and
 * parameters, {@code outgoing.json} is written, and QEMU is told to {@code migrate}.
 *
 * @param mirrorDisk a disk mirror runs: QEMU pauses before the switch-over so that it can be completed
 */
record Stream(boolean mirrorDisk) implements Step {

    Step next(MigrationRun run) {
        OutgoingMigration.Request request = run.request;
        Path sock = run.vm.paths().dir().resolve("migrate.sock");
        SwitchoverHold hold;
        try {
            Files.deleteIfExists(sock);
            MigrationSource relay = MigrationSource.open(sock, request.target(), request.id(),
                    MigrationTuning.connections(request.multifdChannels()), run.secret, run.relayOptions);
            run.relay(relay);
            relay.completion().whenComplete((ok, failed) -> run.signals.wakeUp());
            run.commitLink(run.target.openAhead());
            hold = MigrationTuning.applySource(run.vm.ops(), request.downtimeLimitMs(), request.maxBandwidthMbps(),
                    request.multifdChannels(), mirrorDisk);
            // From here a daemon that dies leaves a QEMU that may complete on its own: the next
            // daemon must ask the target before it resumes or drops it.
            InterruptedMigration.write(run.vm.paths(), new InterruptedMigration.Marker(request.id(), run.status().target()));
            ObjectNode migrate = JsonNodeFactory.instance.objectNode();
            migrate.put("uri", "unix:" + sock);
            run.vm.ops().call("migrate", migrate);
        } catch (Exception e) {
            // Stream -- relay, link or QEMU failed to start --> RollBack
            return failed("StartFailed", message(e), true);
        }
        run.update(run.status().withPhase(MigrationPhase.Migrating, "QEMU is migrating"));
        long memory = run.vm.spec().baseMemoryBytes() + run.vm.spec().hotplugMemoryBytes();
        // Stream -- QEMU migrating --> Watch
        return Watch.start(new ProgressWatch(request.timeouts(), memory, System.nanoTime()), hold);
    }
}
