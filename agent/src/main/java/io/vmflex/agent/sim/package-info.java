/**
 * Simulated VMs and an in-memory node (scheduler, daemon and monitor behind the agent's ports) on
 * a simulated clock: the agent's tests and benchmarks drive the real runner and core through them,
 * with no QEMU, no sockets and no sleeps. Single-threaded: everything runs on the caller's thread.
 */
package io.vmflex.agent.sim;
