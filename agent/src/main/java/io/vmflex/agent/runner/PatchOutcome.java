package io.vmflex.agent.runner;

/** How the daemon answered a patch of a VM's {@code use}. Failures complete exceptionally instead. */
public sealed interface PatchOutcome {

    /** The VM has the new resources. */
    record Applied() implements PatchOutcome {
    }

    /** 409: the VM is migrating and takes no spec change until it lands. */
    record RefusedMigrating(String reason) implements PatchOutcome {
    }

    PatchOutcome APPLIED = new Applied();
}
