/**
 * The scheduler's core: per-node capacity, reservations and permits, admission of new VMs, and the
 * choice of VMs to move off nodes above their watermark. Pure logic; the in-process front
 * ({@code vmflex up}) and the network front (cluster mode) sit around it.
 */
package io.vmflex.scheduler;
