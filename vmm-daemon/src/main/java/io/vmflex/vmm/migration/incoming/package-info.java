/**
 * The target side of a live migration: {@link io.vmflex.vmm.migration.incoming.IncomingMigrations}
 * answers the source daemon's control requests ({@code prepare}: a paused QEMU with the same devices
 * waits on {@code -incoming defer}; {@code commit}: wait for the load, rename {@code incoming.json}
 * to {@code resume.json} (the commit point), {@code cont}, hand the VM to a supervisor;
 * {@code abort}; {@code query}), and {@link io.vmflex.vmm.migration.incoming.InterruptedArrival}
 * resumes a VM whose commit passed while no daemon ran it.
 *
 * <pre>
 *  prepare --> Pending --QEMU loaded, commit--> resume.json --cont--> runs here (adopted by VmRegistry)
 *                 |
 *                 +--abort, QEMU exited, stream broke, TTL, superseded, daemon stop--> dropped
 * </pre>
 */
package io.vmflex.vmm.migration.incoming;
