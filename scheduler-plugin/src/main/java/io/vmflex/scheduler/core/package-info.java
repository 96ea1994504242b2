/**
 * The scheduler's books ({@link io.vmflex.scheduler.core.Accounts}) and the permit rule
 * ({@code PermitDecider}): pure, single-owner, no I/O, no clock. The rules are listed in the
 * {@code io.vmflex.scheduler} package documentation.
 *
 * <h2>A VM's reservation, per resource</h2>
 * <pre>
 *   reserved ≥ use, always
 *   request wanted ≤ reserved  →  reserved := max(use, wanted)        permit = wanted   (release)
 *   request wanted &gt; reserved  →  reserved += all, or k × unit ≤ free  permit = reserved (grant)
 *   reported/declared use &gt; reserved  →  reserved := use                                 (over-use)
 * </pre>
 * The node's reserved is the sum of its VMs' and is changed only together with them.
 */
package io.vmflex.scheduler.core;
