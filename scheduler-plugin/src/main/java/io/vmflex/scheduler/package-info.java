/**
 * The scheduler: per-node accounting, permits that never go beyond capacity, admission of new VMs,
 * placement, and the choice of VMs to move off nodes above their watermark.
 *
 * <h2>Shape</h2>
 * <pre>
 *   agent ──PermitService──▶ Scheduler (lock, counters) ──▶ core.Accounts (pure books)
 *   vmmd / Kubernetes ──admit, deleteVm, addNode──▶ Scheduler     watermark.WatermarkChoice, WatermarkPlanner (pure)
 *                                                                  placement.Placement (pure)
 * </pre>
 * In standalone mode ({@code vmflex up}) the agent calls {@link io.vmflex.api.permit.PermitService}
 * in-process; in cluster mode the same messages ({@code io.vmflex.api.permit}) reach it through an
 * authenticated HTTPS front. The core does no I/O and reads no clock; the fronts do.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Capacity</b> of a node = its CPUs and memory minus a host reserve (configurable, per node
 *       if needed). <b>Reserved</b> = the sum over its VMs of what each VM uses plus what it was
 *       permitted and has not applied yet. <b>Watermark</b> = 0.9 × capacity by default.</li>
 *   <li><b>Never beyond capacity</b>: an increase is granted in full when it fits, otherwise the
 *       largest whole number of the VM's compute units (0.25 vCPU : 1 GiB by default; the request
 *       carries its own) that fits, possibly none; CPU and memory independently. Increases stop at
 *       the VM's maximum. The only way reserved passes capacity is a VM reported using more than it
 *       was permitted; it is booked at its use, and the node then grants nothing until back under.</li>
 *   <li><b>Decreases</b> are always granted and release the reservation down to what the VM still
 *       uses.</li>
 *   <li><b>Idempotent</b>: a request states the total the VM wants, never a delta, and carries a
 *       per-VM seq. The last seq repeated with the same body gets the same answer and reserves
 *       nothing more; an older seq changes nothing. Nothing is granted twice across a restart either:
 *       the new scheduler's books come only from node reports (use and the permits agents hold), so
 *       a permit lost with the old scheduler is simply asked for again.</li>
 *   <li><b>Admission</b>: a VM whose size at creation does not fit its node's free capacity is
 *       refused with one line and nothing is booked; a repeated admission of the same VM on the same
 *       node changes nothing.</li>
 *   <li><b>Stateless restart</b>: a fresh scheduler books nodes unsynced. On an unsynced node it
 *       grants no increase and admits nothing; decreases are granted meanwhile (they need no
 *       capacity). The node's first report rebuilds its books and syncs it. There is no sync
 *       deadline, on purpose: capacity is per node, so a node that never reports blocks increases on
 *       itself only, and granting there without knowing what runs there could overcommit it.</li>
 *   <li><b>Deletion and node removal</b> release the VMs' reservations. Later node reports never
 *       lower or drop anything (they may be older than the books); they raise a VM booked below its
 *       reported use, and list what they disagree on for events.</li>
 *   <li><b>Watermark</b>: for a node above its watermark, the oldest VMs labelled
 *       {@code autoscaling.neon.tech/auto-migration-enabled: "true"} that would have to move until
 *       it is at or below it, as data to report.</li>
 *   <li><b>Placement</b>: Filter (synced, fits) then Score (peak at 80 % use after placing).</li>
 *   <li><b>Not yet</b>: answers never carry {@code migrate}, because nothing carries out the
 *       migrations yet (the Kubernetes issue); VMs being migrated are not booked on two nodes.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * {@link io.vmflex.scheduler.Scheduler} is thread-safe (one lock); {@code core.Accounts} is not and
 * has one owner; the watermark and placement functions are pure.
 */
package io.vmflex.scheduler;
