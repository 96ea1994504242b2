/**
 * The autoscaler agent: one scaling state machine per VM whose label
 * {@code autoscaling.neon.tech/enabled} is {@code "true"}. It reads VMs and guest metrics and patches
 * a VM's {@code use} only through the daemon's admin API (or, in cluster mode, the Kubernetes API);
 * it never speaks QMP.
 *
 * <ul>
 *   <li>{@code core}: the pure decision logic (state + input + clock → state, actions, decisions).</li>
 *   <li>{@code runner}: owns the states of a node's VMs on one thread and dispatches actions to
 *       ports (scheduler, daemon, monitor, events, clock).</li>
 *   <li>{@code sim}: simulated guests and an in-memory node behind the ports, for tests and the
 *       benchmark harness ({@code AgentBenchmark}).</li>
 * </ul>
 */
package io.vmflex.agent;
