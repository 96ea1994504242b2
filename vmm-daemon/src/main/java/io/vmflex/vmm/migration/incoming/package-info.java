/**
 * The target side of a live migration: {@link io.vmflex.vmm.migration.incoming.IncomingMigrations}
 * answers the source daemon's typed control requests ({@code prepare}: a paused QEMU with the same
 * devices waits on {@code -incoming defer}; {@code commit}: wait for the load, rename
 * {@code incoming.json} to {@code resume.json} (the commit point), {@code cont}, hand the VM to a
 * supervisor; {@code abort}; {@code fence}: the final word for a source that lost the commit's
 * answer), and {@link io.vmflex.vmm.migration.incoming.InterruptedArrival} resumes a VM whose commit
 * passed while no daemon ran it.
 *
 * <pre>
 *  prepare --> Pending --commit: QEMU loaded--> resume.json --cont--> Committed: runs here (adopted by VmRegistry)
 *                 |                                                        ^
 *                 |                                                        +-- fence: "committed"
 *                 +--abort, fence, QEMU exited, stream broke, TTL, superseded, daemon stop, commit failed--> Dropped
 *                                                                          fence: "dropped"; every later commit refused
 * </pre>
 *
 * The rules are a pure step ({@code ArrivalRules}) over each migration's state ({@code ArrivalState});
 * each migration has one lock, held across the whole prepare and the whole commit, so a fence sees a
 * commit either not begun or ended. What the rules decide is done through a {@code Landing}
 * ({@code QemuLanding}, {@code QemuCopy}); removing a copy runs every step whatever fails
 * ({@code Cleanup}) and always releases the VM's name.
 */
package io.vmflex.vmm.migration.incoming;
