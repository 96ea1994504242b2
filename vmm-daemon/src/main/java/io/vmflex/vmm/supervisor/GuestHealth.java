package io.vmflex.vmm.supervisor;

import io.vmflex.api.vm.Condition;
import io.vmflex.vmm.console.GuestIncident;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the guest's console has shown of its kernel's troubles since the VM was created, as status
 * conditions: {@code GuestOOMKilled} and {@code GuestKernelPanic}, True from the incident until
 * QEMU is started again (then False, reason {@code Restarted}). A VM that never had one carries
 * neither. The text is the guest's and is only shown. Immutable.
 *
 * @param oomKill the last OOM kill, null if none
 * @param oomAt   when it was seen, or when QEMU was restarted after it
 * @param oomKills OOM kills since QEMU was last started
 * @param oomCleared QEMU was started again since the last OOM kill
 * @param panic   the last kernel panic, null if none
 * @param panicAt when it was seen, or when QEMU was restarted after it
 * @param panicCleared QEMU was started again since the last panic
 */
record GuestHealth(GuestIncident.OomKill oomKill, Instant oomAt, int oomKills, boolean oomCleared,
                   GuestIncident.KernelPanic panic, Instant panicAt, boolean panicCleared) {

    static final GuestHealth NONE = new GuestHealth(null, null, 0, false, null, null, false);

    GuestHealth seen(GuestIncident incident, Instant at) {
        return switch (incident) {
            case GuestIncident.OomKill o -> new GuestHealth(o, at, oomCleared ? 1 : oomKills + 1, false, panic, panicAt,
                    panicCleared);
            case GuestIncident.KernelPanic p -> new GuestHealth(oomKill, oomAt, oomKills, oomCleared, p, at, false);
        };
    }

    /** QEMU was started again: what happened before is history. */
    GuestHealth restarted(Instant at) {
        return new GuestHealth(oomKill, oomKill == null || oomCleared ? oomAt : at, oomKills, oomKill != null,
                panic, panic == null || panicCleared ? panicAt : at, panic != null);
    }

    /** The conditions to publish, none for a VM whose guest never had an incident. */
    List<Condition> conditions() {
        List<Condition> out = new ArrayList<>(2);
        if (oomKill != null) {
            out.add(oomCleared
                    ? Condition.of("GuestOOMKilled", false, "Restarted", "no OOM kill since QEMU was started again", oomAt)
                    : Condition.of("GuestOOMKilled", true, oomKill.memoryCgroup() ? "CgroupLimit" : "OutOfMemory",
                    oomKills + " OOM kill(s) since start; last: " + oomKill.process() + " (pid " + oomKill.pid() + ")", oomAt));
        }
        if (panic != null) {
            out.add(panicCleared
                    ? Condition.of("GuestKernelPanic", false, "Restarted", "no kernel panic since QEMU was started again", panicAt)
                    : Condition.of("GuestKernelPanic", true, "KernelPanic", "the guest's kernel panicked: " + panic.reason(), panicAt));
        }
        return out;
    }

    /** Why a guest that stopped running stopped, when its kernel said so; null otherwise. */
    String stopReason() {
        return panic != null && !panicCleared ? "the guest's kernel panicked: " + panic.reason() : null;
    }
}
