package io.vmflex.vmm.console;

/**
 * Something the guest's kernel said on its console that an operator must hear about: the guest
 * itself may not live to report it over the guest channel. The text is the guest's, so it is only
 * ever shown, never acted on beyond an event and a status condition.
 */
public sealed interface GuestIncident {

    /** The console line it was read from (trimmed, at most {@link GuestIncidentDetector#MAX_LINE} chars). */
    String line();

    /** The kernel's OOM killer ended a process ({@code memoryCgroup}: the limit of a cgroup, not the whole guest). */
    record OomKill(String line, int pid, String process, boolean memoryCgroup) implements GuestIncident {
    }

    /** The kernel panicked: the guest is dead or rebooting ({@code panic=} on its command line). */
    record KernelPanic(String line, String reason) implements GuestIncident {
    }
}
