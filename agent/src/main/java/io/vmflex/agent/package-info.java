/**
 * The autoscaler agent: one scaling state machine per VM whose label
 * {@code autoscaling.neon.tech/enabled} is {@code "true"}. It reads VMs and guest metrics and patches
 * a VM's {@code use} only through the daemon's admin API (or, in cluster mode, the Kubernetes API);
 * it never speaks QMP.
 */
package io.vmflex.agent;
