package io.vmflex.kube.migration;

import io.vmflex.api.vm.MigrationStatus;

/** What the source node does next for one VirtualMachineMigration, as {@link MigrationRules#next} decides it. */
public sealed interface Decision {

    /** Not this node's to act on (another node's VM, ended, someone else's source). */
    record Ignore() implements Decision {
    }

    /** Not yet (no target chosen, the VM not running yet): status Pending with the reason. */
    record Wait(String message) implements Decision {
    }

    /** It cannot run: status Failed with the reason; the VM stays where it is. */
    record Fail(String message) implements Decision {
    }

    /** Valid: mark it Running (source and target) and start the daemon's migration. */
    record Start(String targetNode, String targetAddress, Knobs knobs) implements Decision {
    }

    /** Under way: bring status up to the daemon's figures. */
    record Report(MigrationStatus progress) implements Decision {
    }

    /** The target runs the VM: switch the VirtualMachine object to the target, then Succeeded. */
    record Finish(MigrationStatus done) implements Decision {
    }

    /** The daemon's migration failed or was cancelled: status Failed with its figures; the VM stayed here. */
    record Ended(MigrationStatus failed) implements Decision {
    }
}
