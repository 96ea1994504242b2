/**
 * Moving VMs off nodes above their watermark. {@link io.vmflex.scheduler.watermark.WatermarkChoice}: which
 * VMs a node would shed (metrics, events); {@link io.vmflex.scheduler.watermark.WatermarkPlanner}: the
 * migrations to create now and their targets, with migrations in flight, the per-node limit and the
 * cooldown ({@link io.vmflex.scheduler.watermark.WatermarkPolicy}), and the target of a migration someone
 * asked for. Pure; the Kubernetes front ({@code io.vmflex.kube.watermark}) creates the migrations.
 */
package io.vmflex.scheduler.watermark;
