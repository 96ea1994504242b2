/**
 * Placement of a new VM onto a node: Filter and Score over node views
 * ({@link io.vmflex.scheduler.placement.Placement}), pure and deterministic.
 */
package io.vmflex.scheduler.placement;
