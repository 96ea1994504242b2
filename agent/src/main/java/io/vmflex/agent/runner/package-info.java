/**
 * Runs the pure core for all of a node's VMs: {@link io.vmflex.agent.runner.AgentRunner} owns the
 * states on one thread and talks to the world only through ports
 * ({@link io.vmflex.agent.runner.SchedulerPort}, {@link io.vmflex.agent.runner.VmPatcher},
 * {@link io.vmflex.agent.runner.MonitorPort}, {@link io.vmflex.agent.runner.EventSink}, and an
 * {@link java.time.InstantSource} as the clock). The lead adapts the ports to the scheduler's
 * permit messages and the daemon's admin API.
 */
package io.vmflex.agent.runner;
